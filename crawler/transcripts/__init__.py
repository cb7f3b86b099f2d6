"""Earnings-call transcripts (JSON, HTML or plain text of any common layout) -> `Transcript`.

    parse_transcript(data, filename=None) -> Transcript

Pure: no I/O. It never raises on odd text: a layout it cannot read gives one turn per paragraph
(role "other") and says so in `Transcript.warnings`, so no speech is lost. Input that is not text
at all (binary, or JSON nested too deep to read) raises TranscriptError.

Conventions
- `fiscal_period` is "Q<n> <year>" with the year the company itself names (fiscal or calendar,
  as the call says it): NVIDIA's "first quarter of fiscal 2025" is "Q1 2025". Half years are
  "H1 2024", a call about a whole year only is "FY 2024".
- `call_date` comes from the JSON fields, the header, title or filename only; dates inside the
  speech are ignored.
- `summary` is the publisher's digest before the call (takeaways, risks, summary): not speech,
  never in the turns.
- roles come, strongest first, from: a participant list, the title next to the speaker's name,
  the operator announcing a question ("our next question comes from X with Y"), what a speaker
  says (the operator's routine), and the order of the call (who speaks in prepared remarks, who
  first speaks in the Q&A and asks, who answers an analyst). A speech-to-text call names
  speakers only where its cues do ("Unknown" elsewhere).
- sections come from markers ("Questions and Answers", "PRESENTATION"); without one, Q&A starts
  at the first analyst's turn (or the turn announcing it), the first question announced or read
  out, or the turn after one that opens the floor.

The package, by concern:
- formats/: bytes to text (plaintext), HTML pages (htmlpage), JSON documents (jsondoc);
- layouts/: text to speaker turns (labelled: speakers named in the text; speech: speech-to-text
  calls split at hand-over cues);
- vocabulary: the words of transcripts as data (markers, titles, firms, publisher lines);
- cues: what is said when the floor changes hands, as patterns;
- names: speaker labels and names; metadata: company, ticker, period, date;
- roles, sections: who is who, prepared remarks and Q&A; parse: the whole.
"""

from hypewatch.crawler.transcripts.names import role_from_title
from hypewatch.crawler.transcripts.parse import SCANNED_PDF, TranscriptError, parse_transcript

__all__ = ["SCANNED_PDF", "TranscriptError", "parse_transcript", "role_from_title"]
