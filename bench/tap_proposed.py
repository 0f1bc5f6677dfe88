"""tap-callio with the changes the profile suggests, applied from outside (tap-callio/ is not
this folder's to edit), so that their effect is measured before anyone changes the tap:

1. no SDK type conformance: `records.py` already builds every record with exactly the schema's
   JSON types, so the SDK's recursive `conform_record_data_types` pass only re-checks them
   (TYPE_CONFORMANCE_LEVEL = NONE on every stream);
2. Singer messages serialised with msgspec (`singer_sdk.contrib.msgspec.MsgSpecWriter`, extra
   `singer-sdk[msgspec]`) instead of simplejson.

    .venv/bin/python tap_proposed.py --config ... --catalog ...   (same CLI as tap-callio)
"""

import os

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers.conform import TypeConformanceLevel as Level

from tap_callio import streams, tap

# BENCH_ONLY=conform|msgspec applies one change alone (to tell their effects apart)
only = os.environ.get("BENCH_ONLY", "")
if only in ("", "conform"):
    for stream_type in tap.STREAM_TYPES:
        stream_type.TYPE_CONFORMANCE_LEVEL = Level.NONE
    streams.SyncLogStream.TYPE_CONFORMANCE_LEVEL = Level.NONE
if only in ("", "msgspec"):
    tap.TapCallio.message_writer_class = MsgSpecWriter

if __name__ == "__main__":
    tap.main()
