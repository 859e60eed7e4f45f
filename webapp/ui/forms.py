"""Forms of the UI (flask-wtf: every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm  # type: ignore[import-untyped]
from wtforms import (  # type: ignore[import-untyped]
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[import-untyped]
from wtforms.validators import DataRequired, Length, NumberRange, Optional  # type: ignore[import-untyped]
from wtforms.widgets import HiddenInput  # type: ignore[import-untyped]

from talent.storage.models import PROJECT_STAGES


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(
        min=10, max=200, message="a new password has 10 to 200 characters")])


class SaveToProjectForm(FlaskForm):
    # the project is checked against the recruiter's scope, not against the choices
    project_id = SelectField("Project", coerce=str, validators=[Optional()], validate_choice=False)
    new_project = StringField("or a new project", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])
    search_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 2**53)])


class InMailForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Message", validators=[Optional(), Length(max=10_000)])
    # the project is checked against the recruiter's scope, not against the choices
    project_id = SelectField("Project", coerce=str, validators=[Optional()], validate_choice=False)
    search_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 2**53)])


class ActionForm(FlaskForm):
    """A form that is only a button (feedback, new API token): its CSRF token is all it carries."""


FeedbackForm = ActionForm


class CandidateForm(FlaskForm):
    stage = SelectField("Stage", choices=[SelectChoice(s, s) for s in PROJECT_STAGES])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])


class ProjectForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    title = StringField("Job title", validators=[Optional(), Length(max=200)])
    remote = BooleanField("Remote")
