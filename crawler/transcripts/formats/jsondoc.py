"""A transcript in JSON: lists of {speaker, speech} under section-named keys at any depth, or the
whole call as one string (today's pages), or its sections as strings."""

from __future__ import annotations

from typing import Any

from hypewatch.crawler.transcripts.cues import find_cues
from hypewatch.crawler.transcripts.layouts import read_text
from hypewatch.crawler.transcripts.model import UNKNOWN_SPEAKER, Layout, Participant, RawTurn
from hypewatch.crawler.transcripts.names import parse_label
from hypewatch.crawler.transcripts.text import paragraphs
from hypewatch.crawler.transcripts.vocabulary import PREPARED_KEYS, QA_KEYS, SPEAKER_KEYS, TEXT_KEYS, WHOLE_TEXT_KEYS
from hypewatch.records import Role, Section


def from_json(obj: Any) -> tuple[Layout, dict[str, Any]]:
    """Turns from a JSON transcript: lists of {speaker, speech} under section-named keys, at any depth,
    or the whole call as one string (today's pages: `transcript` holds the page's text)."""
    if not isinstance(obj, (dict, list)):
        raise TypeError(f"top level is {type(obj).__name__}, not an object or list")
    found = _JsonParts()
    found.walk(obj if isinstance(obj, dict) else {"turns": obj}, None)
    if not found.turns and (found.texts or found.parts):
        layout = _text_layout(found.texts, found.parts)
        layout.header = found.header + layout.header
        layout.participants += found.participants
        return layout, found.meta
    all_text = "\n".join(p for t in found.turns for p in t.paragraphs)
    speakers = {t.speaker for t in found.turns}
    layout = Layout(found.header, found.participants, found.turns, find_cues(all_text), recognised=len(speakers) >= 2)
    return layout, found.meta


def _text_layout(texts: list[str], parts: list[tuple[Section, str]]) -> Layout:
    """The layout of a call held as text: the longest whole-call string (a scraper's split of the
    same page beside it is a copy, not more of the call), else its sections' strings read as one
    text, prepared remarks first. Where one section ends is left to the call itself: scrapers split
    today's pages where they should not (the whole call under "qa_section")."""
    if texts:
        return read_text(max(texts, key=len))
    ordered = sorted(parts, key=lambda part: part[0] == "qa")
    return read_text("\n\n".join(text for _, text in ordered))


def _section_of_key(key: str) -> Section | None:
    return "qa" if QA_KEYS.search(key) else "prepared" if PREPARED_KEYS.search(key) else None


class _JsonParts:
    def __init__(self) -> None:
        self.turns: list[RawTurn] = []
        self.participants: list[Participant] = []
        self.header: list[str] = []
        self.meta: dict[str, Any] = {}
        self.texts: list[str] = []  # a whole transcript as one string, if that is what it holds
        self.parts: list[tuple[Section, str]] = []  # or its sections as strings

    def walk(self, obj: dict[str, Any], section: Section | None) -> None:
        for key, value in obj.items():
            lkey = key.lower()
            here: Section | None = _section_of_key(lkey) or section
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and _is_turn(value[0]):
                for item in value:
                    self._turn(item, here)
            elif "participant" in lkey or lkey in ("speakers", "attendees", "executives", "analysts"):
                group: Role | None = "executive" if lkey == "executives" else "analyst" if lkey == "analysts" else None
                self.participants += [p for p in (_participant(v, group) for v in _as_list(value)) if p]
            elif lkey in ("header_texts", "header", "headers", "meta_texts"):
                self.header += [str(v) for v in _as_list(value)]
            elif isinstance(value, dict):
                self.walk(value, here)
            elif isinstance(value, str) and lkey in WHOLE_TEXT_KEYS and len(value) > 200:
                self.texts.append(value)
            elif isinstance(value, str) and len(value) > 200 and (own := _section_of_key(lkey)):
                self.parts.append((own, value))
            elif isinstance(value, (str, int, float)):
                self.meta.setdefault(lkey, value)
                if lkey in ("title", "headline", "event", "event_name"):
                    self.header.append(str(value))

    def _turn(self, item: dict[str, Any], section: Section | None) -> None:
        speaker, text = _turn_fields(item)
        if not text.strip():
            return
        label = parse_label(speaker) if speaker else None
        name, title = (label.name, label.title) if label else (speaker or UNKNOWN_SPEAKER, None)
        extra = item.get("title") or item.get("role") or item.get("company")
        self.turns.append(RawTurn(name, str(extra) if extra else title, section, paragraphs(text)))


def _is_turn(item: dict[str, Any]) -> bool:
    keys = {k.lower() for k in item}
    return bool(keys & set(TEXT_KEYS)) and bool(keys & set(SPEAKER_KEYS) or "speech" in keys)


def _turn_fields(item: dict[str, Any]) -> tuple[str, str]:
    lowered = {k.lower(): v for k, v in item.items()}
    speaker = next((str(lowered[k]) for k in SPEAKER_KEYS if lowered.get(k)), "")
    text = next((lowered[k] for k in TEXT_KEYS if k in lowered), "")
    if isinstance(text, list):
        text = "\n".join(str(t) for t in text)
    return speaker.strip(), str(text or "")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _participant(value: Any, group: Role | None) -> Participant | None:
    if isinstance(value, dict):
        lowered = {k.lower(): v for k, v in value.items()}
        name = next((str(lowered[k]) for k in SPEAKER_KEYS if lowered.get(k)), "")
        title = " - ".join(
            str(lowered[k]) for k in ("company", "firm", "affiliation", "title", "role") if lowered.get(k)
        )
        return Participant(name, title or None, group) if name else None
    if isinstance(value, str) and value.strip():
        label = parse_label(value)
        if label:
            return Participant(label.name, label.title, group)
        name, _, title = value.partition("--")
        return Participant(name.strip(), title.strip() or None, group)
    return None
