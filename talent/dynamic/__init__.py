"""Dynamic features: what recruiters, contracts and members did lately, as L2 reads it.

Three kinds of history, each a small record of counters per key (:mod:`talent.dynamic.schema`):

- this recruiter with a candidate (``dyn:r:<recruiter>:<member>``): views, saves, InMails, the
  candidate's accepts and declines of them, the last contact;
- this contract (all its recruiters) with a candidate (``dyn:c:<contract>:<member>``): the same;
- the candidate (``dyn:m:<member>``): InMails received from anyone, accepted, declined, the last
  InMail and the last answer.

Serving reads them from the cache (:mod:`talent.dynamic.store`, one batched read per search);
the web app writes them as events commit (:mod:`talent.dynamic.hooks`); ``talent cache warm``
rebuilds them from the database (:mod:`talent.dynamic.history`), which is also how training reads
them as they were at each logged search's time. The counters -> features transform is one
function (:func:`talent.dynamic.schema.transform`) for serving and training.
"""

from talent.dynamic.schema import DYNAMIC_FEATURE_NAMES, DynamicRecords, transform

__all__ = ["DYNAMIC_FEATURE_NAMES", "DynamicRecords", "transform"]
