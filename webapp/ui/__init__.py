"""The server-rendered recruiter UI: sign-in, search, profiles, projects, InMails, jobs.

The blueprint, its sign-in hooks and its views live in :mod:`webapp.ui.views`; facet panels in
:mod:`webapp.ui.facets`, forms in :mod:`webapp.ui.forms`.
"""
