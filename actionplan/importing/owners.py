"""Owner cells and accountable bodies matched to the roles, agencies and bodies already here.

An owner cell is kept as written on the action; it is also split into owner parts, each of
which becomes a role: one already here (matched exactly, or a close match the person checks)
or a new one. A cell is split on new lines and ";" always, and on "/" and " and " only where
every piece is then a known role or agency ("Police/YOS/Probation" is three agencies;
"Missing, Exploited and Trafficked and Vulnerable" stays one). A trailing agency ("Head of
PVP/Head of Comms – West Mercia Police", "Designated Nurse (NHS)") applies to every piece.
"""

import difflib
import hashlib
import re
from dataclasses import dataclass, field

from accounts.models import Agency
from actionplan.models import AccountableBody, OwnerRole

CLOSE_MATCH = 0.82
_STOP_WORDS = {"of", "the", "and", "for", "&"}
_PUNCTUATION = re.compile(r"[^\w&]+")
_TRAILING_AGENCY = re.compile(r"^(?P<rest>.+?)\s*(?:[–—]|\s-\s|,)\s*(?P<agency>[^,–—]+?)\.?$")
_WITHIN_AGENCY = re.compile(
    r"^(?P<rest>.+?)\s+(?:within|in|at|from)\s+(?P<agency>(?:the\s+)?[^,]+?)\.?$", re.I
)
_LINES = re.compile(r"\s*(?:\n|;)\s*")
_SLASH = re.compile(r"\s*/\s*")
_AND = re.compile(r"\s+and\s+|\s*&\s*")


def normalise(text: str) -> str:
    words = _PUNCTUATION.sub(" ", text.lower()).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def initials(name: str) -> str:
    return "".join(word[0] for word in normalise(name).split() if word not in _STOP_WORDS)


def part_key(text: str) -> str:
    """A short stable key for an owner part or body text: the form's field name."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:12]


@dataclass
class OwnerPart:
    """One owner in a cell: `text` as written (agency included), `title` the role's title,
    `agency_id` the agency the cell names (or None), and the role suggested for it."""

    text: str
    title: str
    agency_id: int | None
    role_id: int | None = None
    exact: bool = False
    candidates: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return part_key(self.text)


@dataclass
class BodyMatch:
    text: str
    body_id: int | None = None
    exact: bool = False
    candidates: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return part_key(self.text)


class Directory:
    """The agencies, roles and bodies here, read once (three queries), looked up by name."""

    def __init__(self):
        self.agencies = {a.pk: a for a in Agency.objects.order_by("name")}
        roles = OwnerRole.objects.select_related("agency").order_by("agency__name", "title")
        self.roles = {r.pk: r for r in roles}
        self.bodies = {b.pk: b for b in AccountableBody.objects.order_by("name")}
        self._agency_names = {}
        for agency in self.agencies.values():
            for name in _agency_names(agency):
                self._agency_names.setdefault(name, agency.pk)
        self._role_titles = {}
        for role in self.roles.values():
            self._role_titles.setdefault(normalise(role.title), []).append(role.pk)
        self._body_names = {}
        for body in self.bodies.values():
            for name in (body.name, body.short_name, _without_parenthesis(body.name)):
                if name:
                    self._body_names.setdefault(normalise(name), body.pk)

    def agency_for(self, text: str) -> int | None:
        """An agency by name, short name, initials ("WMP") or the words in its brackets."""
        name = normalise(text)
        if not name:
            return None
        if name in self._agency_names:
            return self._agency_names[name]
        if " " not in name and len(name) >= 2:
            found = [pk for pk, a in self.agencies.items() if initials(a.name) == name]
            if len(found) == 1:
                return found[0]
        if " " not in name and len(name) >= 4:  # "Probation": one agency has the word
            found = [pk for pk, a in self.agencies.items() if name in normalise(a.name).split()]
            if len(found) == 1:
                return found[0]
        return None

    def roles_titled(self, title: str, agency_id: int | None) -> list[int]:
        found = self._role_titles.get(normalise(title), [])
        if agency_id is not None:
            return [pk for pk in found if self.roles[pk].agency_id == agency_id]
        return found

    def close_roles(self, title: str, agency_id: int | None) -> list[int]:
        titles = difflib.get_close_matches(
            normalise(title), self._role_titles, n=3, cutoff=CLOSE_MATCH
        )
        found = [pk for t in titles for pk in self._role_titles[t]]
        if agency_id is not None:
            found = [pk for pk in found if self.roles[pk].agency_id == agency_id] or found
        return found

    def is_known(self, piece: str, agency_id: int | None) -> bool:
        """A role here (exactly or closely, the piece's own agency taken off) or an agency."""
        title, own_agency, _ = trailing_agency(piece, self)
        agency_id = own_agency or agency_id
        return bool(
            self.roles_titled(title, agency_id)
            or self.close_roles(title, agency_id)
            or self.agency_for(title)
        )

    def body_for(self, text: str) -> BodyMatch:
        match = BodyMatch(text=text)
        for name in (text, _without_parenthesis(text)):
            if pk := self._body_names.get(normalise(name)):
                match.body_id, match.exact = pk, True
                return match
        close = difflib.get_close_matches(
            normalise(text), self._body_names, n=3, cutoff=CLOSE_MATCH
        )
        match.candidates = list(dict.fromkeys(self._body_names[name] for name in close))
        match.body_id = match.candidates[0] if match.candidates else None
        return match


def _agency_names(agency) -> list[str]:
    names = [agency.name, agency.short_name, _without_parenthesis(agency.name)]
    if split := trailing_parenthesis(agency.name):
        names.append(split[1])
    return [normalise(n) for n in names if n]


def _without_parenthesis(text: str) -> str:
    split = trailing_parenthesis(text)
    return split[0] if split else text


def trailing_parenthesis(text: str) -> tuple[str, str] | None:
    """("Chair of MASH Group", "Multi-Agency Safeguarding Hub (MASH)") from
    "Chair of MASH Group (Multi-Agency Safeguarding Hub (MASH))": the last bracketed words,
    brackets inside them allowed; None where the text does not end with one."""
    text = text.rstrip().rstrip(".")
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[index], 0)
        if depth == 0:
            rest, inner = text[:index].strip(), text[index + 1 : -1].strip()
            return (rest, inner) if rest and inner else None
    return None


def split_owner_cell(text: str, directory: Directory) -> list[OwnerPart]:
    """The owners in one cell, in order, each with its suggested role (see the module)."""
    parts = []
    for chunk in _LINES.split(text.strip()):
        if chunk:
            parts += _split_chunk(chunk, directory)
    seen, unique = set(), []
    for part in parts:
        if part.key not in seen:
            seen.add(part.key)
            unique.append(part)
    return unique


def _split_chunk(chunk: str, directory: Directory) -> list[OwnerPart]:
    titles, agency_id, suffix = trailing_agency(chunk, directory)
    pieces = _known_pieces(titles, agency_id, directory)
    if pieces is None:
        return [_part(titles, chunk, agency_id, directory)]
    parts = []
    for piece in pieces:
        title, own_agency, _ = trailing_agency(piece, directory)
        parts.append(_part(title, piece + suffix, own_agency or agency_id, directory))
    return parts


def _known_pieces(text: str, agency_id: int | None, directory: Directory) -> list[str] | None:
    """The pieces of `text` split on "/", and then on " and " or "&" within a piece that is not
    known itself, where every piece is known; None where that is not so."""
    known = []
    for piece in (p for p in _SLASH.split(text) if p):
        if directory.is_known(piece, agency_id):
            known.append(piece)
            continue
        smaller = [p for p in _AND.split(piece) if p]
        if len(smaller) < 2 or not all(directory.is_known(p, agency_id) for p in smaller):
            return None
        known += smaller
    return known if len(known) > 1 else None


def trailing_agency(chunk: str, directory: Directory) -> tuple[str, int | None, str]:
    """(titles, agency id, the agency as written with its separator) of "X – Agency",
    "X, Agency", "X (Agency)" or "X within the Agency"; the whole chunk and None where no
    agency is named."""
    if (split := trailing_parenthesis(chunk)) and (agency_id := directory.agency_for(split[1])):
        return split[0], agency_id, chunk[len(split[0]) :]
    for pattern in (_TRAILING_AGENCY, _WITHIN_AGENCY):
        match = pattern.match(chunk)
        if match and (agency_id := directory.agency_for(match["agency"])):
            return match["rest"].strip(), agency_id, chunk[len(match["rest"]) :]
    return chunk, None, ""


def _part(title: str, text: str, agency_id: int | None, directory: Directory) -> OwnerPart:
    title = title.strip().rstrip(".").strip()
    part = OwnerPart(text=text.strip(), title=title, agency_id=agency_id)
    exact = directory.roles_titled(title, agency_id)
    if exact:
        part.role_id, part.exact, part.candidates = exact[0], len(exact) == 1, exact
        return part
    if agency_id is None and (named := directory.agency_for(title)):
        part.agency_id = named  # the piece names an agency, not a role: suggest its roles
        part.candidates = [pk for pk, r in directory.roles.items() if r.agency_id == named]
        part.role_id = part.candidates[0] if len(part.candidates) == 1 else None
        return part
    part.candidates = directory.close_roles(title, agency_id)
    part.role_id = part.candidates[0] if part.candidates else None
    return part
