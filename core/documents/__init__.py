"""The business content of a dossier (its XML/JSON flow) rendered for a human, one module per démarche.

Pure: no database, no Streamlit. `render_business_content(process_code, files)` takes the dossier's files
as (file name, MIME type, content) and returns a frozen `BusinessContent` the dossier page shows as plain
text (values may hold any character: the page must not interpret them as markdown or HTML).
"""

from core.documents.dispatch import render_business_content
from core.documents.model import BusinessContent, Field, Section
from core.documents.reading import MAX_FILE_BYTES

__all__ = ["MAX_FILE_BYTES", "BusinessContent", "Field", "Section", "render_business_content"]
