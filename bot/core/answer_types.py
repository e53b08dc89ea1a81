"""What kind of fact a question wants (a name, a number, a date, an amount of money) and what kind
of facts an entry's quotes contain. "What's the name of Brooklyn's DA?" matches the Brooklyn entry
on every word, but the article never names the DA: the quotes have no name, so the bot says the
article doesn't say instead of answering something else."""

from __future__ import annotations

import re
from functools import lru_cache

from .text import FILLERS, normalize, stem

NAME, NUMBER, DATE, DAY, MONEY = "name", "number", "date", "day", "money"
TITLE, OUTCOME, PLACE, PERSON, YEAR = "title", "outcome", "place", "person", "year"
DURATION = "duration"  # "how long is the sentence?": a span, counted ("364 days") or ongoing ("for years")
COUNTED_TIME = "counted time"  # "how many days is the sentence?": only a counted span ("364 days")
SINCE = "since"  # "since when…?": a point in time, or an ongoing span ("for years")
SPAN = "span"  # "how long has Denver done this?": only an ongoing span answers it ("for years")
LENGTH = "length"  # of a document: no quote gives one, so asking for it is always declined
BIOGRAPHY = "biography"  # where someone studied, grew up, their family: the article gives no one's
PARTY = "party"  # "what party is Inslee?": a quote calling someone "a Democrat" answers it
OFFENSES = "offenses"  # "which specific offenses…?": only a quote naming crimes (larceny, trespassing…) answers it
TIME = frozenset({DATE, DAY, YEAR, DURATION, COUNTED_TIME, SINCE, SPAN})  # every kind that asks when or for how long
COUNTED = "counted"  # not asked for: the words a quote counts ("400 counties", "three laws")
# Not asked for either: roles a quote names someone in ("Libby Schaaf, Oakland mayor") or leaves
# nameless ("ICE chief", "the state's attorney in Baltimore").
NAMED_ROLE, UNNAMED_ROLE = "named role", "unnamed role"

# Up to five words qualifying the thing named ("the Obama era fingerprint sharing program"), but no
# preposition: in "the names of the groups behind the report" the groups are named, not the report.
_MODIFIERS = r"((?!(behind|of|for|in|on|by|from|at|about|with|that|who|which|whose)\b)\w+ ){0,5}"
_THINGS = r"(program|programme|law|laws|policy|policies|report|study|bill|bills|initiative|operation|system|act|ordinance|rule|measure)"

_ROLES = r"(mayor|governor|da|district attorney|attorney|prosecutor|judge|chief|police chief|sheriff|head|director|ceo|founder|leader|boss)"
# "what state law…", "which city police…", "what county jails…" ask about the law, the police or the jail, not the place.
_NOT_THE_PLACE = (r"(?! (should|must|could|would|can|ought|need|needs|law|laws|police|policy|policies|official|officials|agency|agencies|government|governments|"
                  r"level|prosecutors?|attorneys?|database|databases|authorities|jail|jails|rule|rules)\b)")

# Words of a name ("Prince George's", "Spokane"), not of a count ("the more than 400", "a lot of", "any").
_NAMING = (r"((?!(the|those|these|a|an|any|many|some|other|more|most|all|every|each|no|over|under|nearly|about|almost|"
           r"around|than|like|lot|lots|of|their|its|\d+)\b)\w+ )")

# Words after "which"/"what" that cannot start a place's name ("what are counties…", "which of the cities…").
_NOT_A_NAME = ("are|is|was|were|do|does|did|should|can|could|would|will|have|has|had|kinda|kind|sort|type|of|the|a|an|"
               "this|that|those|these|its|their")

_NOT_REAL = ("fake", "false", "phony", "bogus", "real")  # "fake names" are not names asked for


def _not_after(words, suffix: str) -> str:
    """Look-behinds refusing a match that is one of `words` followed by `suffix`."""
    return "".join(f"(?<!{w} {suffix})" for w in words)


_ASKS = {
    NAME: re.compile(
        # "what's the name of…", "what was it called", "names of the laws" — not "fake names".
        rf"\b(what|whats|which)\b.{{0,40}}{_not_after(_NOT_REAL, '')}\b(name|names|named|called)\b"
        r"|\bnames? of\b|\bnamed\b|\bnames? (pls|please|plz)\b"
        rf"|\bname${_not_after(_NOT_REAL, 'name')}|\bnames${_not_after(_NOT_REAL, 'names')}"
        # "who's the brooklyn da?", "brooklyn da, who is it?"
        rf"|\b(who (is|s|was)|whos) (the |their |its )?(\w+ ){{0,3}}{_ROLES}\b|\b{_ROLES} (\w+ )?who (is|s|was) (it|he|she|that|they)\b"
        r"|\b(came up with|invented|coined|founded|founder|originated|created by)\b"
    ),
    # "how much they dislike him" asks how strongly, not how many.
    NUMBER: re.compile(r"\bhow many\b|\bhow much\b(?! (they|he|she|we|you|i|it|people|folks)\b)|\bnumber of\b"
                       r"|\bwhat (share|proportion|fraction|portion|percent|percentage|ratio)\b"
                       r"|\bpercent(age)?\b|\bpopulation\b|\b(bill|case|docket|badge|phone) numbers?\b"
                       r"|\bapproval (rating|ratings|numbers)\b|\b(polls|polling)\b"
                       # "what was the vote count?", "any Republican votes?", "did Obama deport more people than Trump?"
                       r"|\b(vote|votes) (count|tally|total|totals)\b|\b(republican|democratic|gop|bipartisan) votes\b"
                       r"|\b(deport|deported|deports|removed|arrested) more (people |immigrants )?than\b"),
    DATE: re.compile(
        r"\bwhen (did|was|were|is|will|does|do|had|has|are)\b|\bwhat (date|day|month)\b"
        r"|\bhow (long ago|old)\b|\b(age|birthday)\b"
    ),
    SINCE: re.compile(r"\bsince when\b"),
    SPAN: re.compile(r"\bhow long (has|have|had)\b"),
    # "how many years has Vaughan worked there?" asks how long, not how many of something
    DURATION: re.compile(r"\bhow long (was|were|is|are|s|will|would|do|does|did)\b"),
    # "how long is the ACLU report?", "how many pages is it?" — not "how long is the sentence?".
    LENGTH: re.compile(r"\bhow long (is |s |was )?(the |this |that )((?!(in|per|by|from|of|on|for|about|according)\b)\w+ ){0,3}"
                       r"(report|study|article|piece|story|document|paper)\b"
                       r"|\b(report|study|article|piece|document)\b.{0,60}\bhow long is it\b"
                       r"|\bhow many (pages|words)\b|\b(page|word) count\b"),
    DAY: re.compile(r"\b(exact|specific|precise|which|what) (date|day|month)\b|\bon what day\b"),
    BIOGRAPHY: re.compile(r"\b(her|his) (education|degrees?|schooling|hometown|family|husband|wife|kids|children|salary|"
                          r"net worth|upbringing)\b|\bwhere did (\w+ ){1,3}(study|grow up|go to (school|college|law school))\b"
                          r"|\b(what|which) (college|university|school|law school) did\b|\bwhere (was|is) (he|she) from\b"),
    # "what party is Libby Schaaf (in)?" — not "what party does Trump say the midterms are about?", nor
    # "which governor signed it, and what party is he?" (its first half is answered)
    PARTY: re.compile(r"\b(what|wat|wut|which) (political )?party (is|was) (?!(he|she|they|it)\b)(\w+ ){0,3}\w+( in)?$"
                       r"|\b(is|was) (\w+ ){1,3}an? (democrat|republican)\b|\bparty affiliation\b|\b(political party|party) (does|did) \w+( \w+)? belong\b"
                       r"|\b(what|which) party (does|did) (\w+ ){1,3}(belong to|represent|run for|run with)\b|\b(political party|party affiliation)$"),
    YEAR: re.compile(r"\b(what|which) year\b"),  # a year, not "for years" or "this year"
    # Crimes by name: "which specific offenses did Denver cut?" — not "what kind of crimes…?", which
    # "small crimes" or "low-level crimes" answers.
    OFFENSES: re.compile(r"\b(which|what) (specific|exact|particular|precise|individual) (?!(kinds?|types?|sorts?|categories|forms) of\b)(\w+ ){0,2}(offenses|offences|crimes|charges|"
                         r"misdemeanors|violations)\b|\b(offenses|offences|crimes|charges) (exactly|specifically|precisely)$"
                         r"|\b(list|name) (the |all the |of the )?(specific )?(offenses|offences|crimes|charges)\b"),
    # A person, not an organisation: "who is the lead author of the report?", "the head of the ACLU".
    PERSON: re.compile(
        r"\b(who (is|s|was|were)|whos) (the |their |its )?(lead |main |chief |top )?(author|authors|writer|researcher|researchers|"
        r"head|director|president|chair|chairman|spokesperson|spokesman|spokeswoman|founder|leader|boss|ceo)\b"
        r"|\b(head|director|president|leader|chair|chairman|spokesperson|spokesman|spokeswoman) of\b|\blead author\b"
        # "who runs the ACLU?" and "which individual researchers…" want a person; "who runs the fingerprint
        # system?" and "which researchers counted the counties?" may be answered by an organisation.
        r"|\bwho (runs|heads|chairs|directs) (the )?(\w+ ){0,4}(aclu|foundation|center|centre|union|group|organization|"
        r"organisation|think tank|institute)\b|\b(which|what) (individual |specific |particular )(researchers?|"
        r"authors?|writers?|scholars?|staffers?)\b"
    ),
    # "I spent twenty-two years in…" spends time, not money
    MONEY: re.compile(r"\b(cost|costs|price|priced|funding|funds|funded|fund|budget|dollars|money|paid|pay|salary)\b"
                      r"|\b(spend|spent)\b(?! (?!(\w+ ){0,2}(a|per|each|every|this|last|next|that) (year|month|week|day)s?\b)(\w+ ){0,3}(years?|months?|weeks?|days?|hours?|decades?|time|nights?)\b)"),
    # The name of a document or program, not of a group: "what's the report called?", "title of the study".
    # Not "which law called for…"; not "the name of the report's author" (the report is not what is named).
    TITLE: re.compile(rf"\b{_THINGS}\b.{{0,20}}\b(called|named|titled|entitled)\b(?! (for|on|out|upon|off)\b)"
                      rf"|\b(titled|entitled|headline of)\b|\btitles? of (the |that |this )?{_MODIFIERS}{_THINGS}\b"
                      rf"|\bnames? of (the |that |this |those |these )?{_MODIFIERS}{_THINGS}(?=$| (is|was|called|named)\b)"),
    # What happened afterwards: the article reports a moment, not how things turned out.
    OUTCOME: re.compile(
        # "did it work?" asks how it turned out; "how did it work?" asks how it worked.
        r"\bdid (it|that|this|they|the \w+) (work(?<!how did it work)(?<!how did that work)(?<!how did this work)"
        r"(?<!how did they work)|succeed|backfire|hold up)\b|\b(results?|outcomes?|effects?|impact) of\b"
        r"|\bwhat happened (next|after|since|then|later|afterwards?)\b|\bsince then\b|\bafterwards?\b"
        r"|\b(still|anymore) (in (effect|place|force)|around|a thing)\b|\b(repeal(ed|ing)?|overturn(ed|ing)?|struck down|"
        r"strike down|revers(e|ed|es|ing)|roll(ed|ing)? back|sue|sued|suing|lawsuits?|court case|legal challenge|"
        r"challenged|upheld|survive|survived)\b|\b(go|goes|went|gone) (up|down)\b"
        r"|\bdid (the )?\w+ (win|lose|keep)\b(?! \w+ from\b)|\bhow did (the )?\w+ (do|fare)\b|\bend(ed)? up (doing|winning|losing)\b"
        r"|\bcrime rates?\b|\b(change|changed|changes) after\b|\b(has|have)\b.{0,60}\byet$"
        r"|\b(running|run|runs|ran) for (president|office|re ?election|governor|senate|congress|mayor)\b"
        r"|\b(re ?elected|re ?election)\b"
        # "when was Inslee elected?" — not "what should elected officials do?" or "before Trump took office, how…"
        r"|\b(was|were|got|get|gets|been|be|is) (?!(the|an|a|its|their|his|her)\b)(\w+ ){0,3}elected (as |to )?(the )?(governor|mayor|president|da|district attorney|attorney|"
        r"prosecutor|sheriff|senator)\b"
        r"|\bwhen (was|were|is) (\w+ ){1,4}(?<!\bthe )(?<!\ban )(?<!\bits )(?<!\btheir )(elected|sworn in)\b(?! (officials?|leaders?|representatives?|politicians?)\b)"
        r"|\bwhen did (\w+ ){1,4}(get elected|get sworn in|take office|win (the )?(election|race|governorship))\b|\bwhen did (\w+ ){1,2}(elect|re ?elect|vote in)\b"
        # careers and what came later: "when did Inslee become governor?", "is Schaaf still the mayor?",
        # "when does the policy take effect?", "has any court ruled on it?"
        r"|\b(become|became|becomes) (the )?(governor|mayor|president|director|attorney|da|chief|sheriff|head)\b"
        r"|\bstill (the )?(mayor|governor|president|director|chief|in office|in charge)\b|\b(take|took|takes|taking) effect\b|\beffective date\b|\b(go|goes|went|come|comes|came) into effect\b"
        r"|\b(kick|kicks|kicked|kicking) in\b|\b(expire|expires|expiring|expiration date|sunsets|sunset (clause|provision|date))\b"
        # "did she face any charges?", not "immigrants facing charges"
        r"|\b(face|faced|end up facing|ended up facing) (any )?(charges|prosecution|punishment|penalties|consequences|discipline)\b"
        r"|\bterm (\w+ ){0,3}(end|ends|ended|ending|expire|expires|is up)\b|\bafter the (report|article|study) (came out|was released|was published)\b"
        r"|\b(court|courts|judge|judges) (has |have |ever )?(ruled|rule|ruling|block|blocked|blocks|halt|halted|halts|"
        r"overturn|overturned|strike|struck)\b|\bruled on\b"
        # what became of one person, anywhere in the question: "…after ICE complained, did she get charged?"
        # (not "have they been arrested", which may ask about immigrants in general)
        r"|\b(did|has) (he|she) (ever )?(get|got|been) (charged|arrested|indicted|impeached|fired|punished|"
        r"penalized|prosecuted|sanctioned)\b"
    ),
    # Which place, by name: "which state had the most?", "what city was that?".
    PLACE: re.compile(r"\b(which|what) (\d+ )?(specific |particular |exact |other )?(state|states|city|cities|county|counties|"
                      rf"country|countries|town|towns|places?)\b{_NOT_THE_PLACE}|\bin what (state|city|county|town)\b"
                      # "list the 400 counties" — not "list what the report wants cities to do"
                      rf"|\b(list|name) (the |all the |all |of the )?(\d+ )?(counties|cities|states|towns|places)\b{_NOT_THE_PLACE}"
                      # "which Texas counties…?", "is King County one of the 400?": which counties were counted
                      rf"|\b(which|what) (?!({_NOT_A_NAME})\b)\w+ (county|counties)\b{_NOT_THE_PLACE}"
                      # "which Massachusetts cities…?" — after "which" only: "what led cities to…" asks no place
                      rf"|\bwhich (?!({_NOT_A_NAME}|r|re|shud|shld|cud|wud|dont|doesnt|didnt|cant|wont|else|"
                      rf"sanctuary|other|more|big|major|local)\b)\w+ (cities|towns)\b{_NOT_THE_PLACE}"
                      rf"|\b(is|are|was|were) (any |some )?{_NAMING}{{1,5}}(county|counties) (one of|among|on the list|in the list|part of|included)\b"
                      # "did Spokane County adopt one?" — not "did over 400 counties adopt…?"
                      rf"|\b(did|does|has|have) {_NAMING}{{1,3}}county (adopt|adopted|join|joined|pass|passed|enact|enacted|"
                      r"loosen|loosened|go|went|become|became)\b"),
}
# "how many people…": people and events counted, which the quotes must count too ("364 days" does
# not say how many people were deported). Other things may be named differently ("places" for
# counties), so only these are held to it.
_HOW_MANY = re.compile(r"\bhow many (\w+)(?: (\w+))?(?: (\w+))?")
_PEOPLE_OR_EVENTS = frozenset(stem(w) for w in """people persons immigrants residents citizens deportations deported
    deportees arrests arrested officers cops police crimes cases times prosecutions convictions raids detainers
    buyers purchasers criminals offenders suspects migrants families kids children men women sales purchases checks
    stops ppl folks individuals noncitizens counties cities states towns""".split())

# An ongoing span: "how long has the fight gone on?" and "since when?" are both answered by "for years".
_SPAN = re.compile(r"\bfor (years|decades|months)\b", re.I)

_PROVIDES = {
    NAME: re.compile(r"\b[A-Z][a-z]+\.?(?: (?:[A-Z]\. )?[A-Z][a-z]+)+"),
    NUMBER: re.compile(r"\d+|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b", re.I),
    # A point in time, not a span: "this year" and "2018" date something, "a full year" does not.
    DATE: re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|"
        r"wednesday|thursday|friday|saturday|sunday|today|yesterday|\d{4})\b|\b(this|last|next) (year|week|month)\b",
        re.I,
    ),
    # "how long is the sentence?" — "364 days" (and an ongoing span, _SPAN, below).
    DURATION: re.compile(r"\b(\d+|one|two|three|four|five|six|a|a full)[- ](day|days|week|weeks|month|months|year|years)\b", re.I),
    YEAR: re.compile(r"\b\d{4}\b"),
    DAY: re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|"
        r"tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I
    ),
    MONEY: re.compile(r"\$|\b(dollars?|cost|costs|funding|funded|budget|billion)\b", re.I),
    PARTY: re.compile(r"\ban? (Democrat|Republican)\b"),
    OFFENSES: re.compile(r"\b(drug offenses|drug possession|driving without a license|larceny|trespassing|shoplifting|theft|"
                         r"burglary|assault|dui|drunk driving|vandalism|loitering|disorderly conduct|fare evasion|jaywalking|"
                         r"prostitution|robbery)\b", re.I),
    TITLE: re.compile(r"\b(titled|entitled|called|known as) [“\"']?[A-Z]"),
    OUTCOME: re.compile(r"\b(since then|as a result|afterwards?|resulted in|credited with|gains|has (fallen|risen|dropped)|"
                        r"struck down|repealed)\b", re.I),
}
# Words that make a capitalised name an organisation, a place or a program rather than a person.
_ORGANISATION = frozenset("""foundation union center centre administration times department enforcement customs
    immigration studies resource legal civil liberties security social service bureau court courts state states america
    american washington oakland denver baltimore brooklyn california massachusetts county city see also komonews
    fbi ice the""".split())
_NUMBER_WORD = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?)"
# A number and the words after it: "more than 400 counties adopted", "enacting three laws".
_COUNTING = re.compile(rf"\b{_NUMBER_WORD} (\w+)(?: (\w+))?", re.I)
_WHY = re.compile(r"\bwhy\b|\bfor what reasons?\b|\bwhat for\b|\b(motive|motives|motivation|reasons?|rationale)\b")
ROLE_WORDS = frozenset("""mayor governor attorney prosecutor judge chief sheriff director head founder leader author
    president spokesperson spokesman spokeswoman ceo chair chairman""".split())
_ROLE = re.compile(rf"\b({'|'.join(sorted(ROLE_WORDS))})s?\b", re.I)
_WHOSE_ROLE = re.compile(r"\bwhose (\w+ )?\w+")
_CLAUSE_END = re.compile(r"[.:;!?]")
ROLE_WINDOW = 4  # words either side of a role in which a quote names its holder ("Jessica Vaughan, policy studies director")


# Kept out of _ASKS, whose every alternative opens with \b and a word: one alternative anchored at the
# start or opening with a look-behind makes `re` try every alternative at every position, 4x slower.
_AT_START = {
    # "when was it published?" — not "when someone is booked, how does ICE find out?", a when-clause.
    DATE: re.compile(r"when\b(?!.*\b(how|where|what|why|who|which)\b)"),
    # Yes/no questions only: "did it pass?", not "how many did they pass"; "was Schaaf ever charged?",
    # "did she get punished?", not "what happens to immigrants who have been charged with…".
    OUTCOME: re.compile(
        r"(so |and |but |ok |okay |wait |also )?(did (it|that|this|they|the \w+) pass\b"
        r"|(was|were) (\w+ ){0,3}(ever )?(charged|indicted|impeached|fired|punished|penalized|prosecuted|sanctioned)\b"
        r"|(did|has|have) (\w+ ){0,3}(ever )?(get|got|been) (charged|indicted|impeached|fired|punished|penalized|"
        r"prosecuted|sanctioned)\b|(did|has) (\w+ ){0,3}(ever )?resign(ed)?\b"
        r"|(did|has) (\w+ ){1,3}(ever )?(get|got) arrested\b|(did|has|have) (\w+ ){1,3}(ever )?pulled out\b"
        r"|(did|has|have) (\w+ ){0,3}(ever )?(back|backed) (off|down)\b|(did|has|have) (\w+ ){0,3}walked? (it )?back\b"
        # trends: "did crime drop?", "have arrests dropped since?", "would deportations go down?" — not "how much did…"
        r"|(did|have|has|would|will|does|do) (\w+ ){0,2}(crime|crimes|arrests|deportations|removals|numbers) (\w+ )?(drop|"
        r"dropped|fall|fell|rise|rose|decline|declined|increase|increased|decrease|decreased|go down|went down|go up|went up)\b)"
    ),
}
# "stats" asks for a number unless the question already has one ("the 400 counties stat, source?").
_STAT, _DIGIT = re.compile(r"\bstat(istic)?s?\b"), re.compile(r"\d")
# "did it actually work?" — not "sanctuary cities don't actually work because…", a claim the report makes.
_ADVERB_OUTCOME = re.compile(
    r"\b(actually|really|ever) (reduce|reduced|lower|lowered|work|worked|help|helped|stop|stopped|change|changed|"
    r"cut|decrease|decreased|increase|increased|prevent|prevented|lead|led|make|made)\b")
# "how many years has Vaughan worked there?": a number of years, days… (not "how many years ago")
_COUNTED_TIME = re.compile(r"\bhow many (years|months|weeks|days|decades)\b(?! ago\b)")
_HOW_IT_WENT = re.compile(r"\b(how( did| does| would|d)( \w+){0,5}) go down\b")
_WHO_THE = re.compile(r"^((so|ok|okay|and|but|wait) )?who (?=(the|their|its) )")
_COLOUR = FILLERS - {"kinda", "sorta"}  # "which kinda places…" does not ask which places
# "…don't actually work", "want towns to actually change": a claim or a wish, not asking how it turned out
# ("did it manage to actually reduce deportations?" still asks).
_NEGATION = ("dont ", "doesnt ", "didnt ", "not ", "wont ", "cant ", "isnt ", "wouldnt ")
_WISHED = re.compile(r"\b(want|wants|wanted|ask|asks|asked|urge|urges|urged|need|needs|call on|calls on|push|pushes|pushing|"
                     r"tell|tells|telling) (\w+ ){0,4}to $")


def asks_for(normalized_question: str) -> frozenset[str]:
    q = normalized_question
    words = q.split()
    plain = q if _COLOUR.isdisjoint(words) else " ".join(w for w in words if w not in _COLOUR)  # "who even is the DA?"
    # "who's the DA?" is normalised to "who the DA"; "how did that go down?" asks how it happened, not what fell.
    if m := _WHO_THE.match(plain):
        plain = f"{m.group(1) or ''}who is {plain[m.end():]}"
    if "go down" in plain:
        plain = _HOW_IT_WENT.sub(r"\1 happen", plain)
    kinds = {kind for kind, pattern in _ASKS.items() if pattern.search(plain)}
    kinds.update(kind for kind, pattern in _AT_START.items() if pattern.match(plain))
    if _STAT.search(q) and not _DIGIT.search(q):
        kinds.add(NUMBER)
    if any(not q[: m.start()].endswith(_NEGATION) and not _WISHED.search(q[: m.start()]) for m in _ADVERB_OUTCOME.finditer(q)):
        kinds.add(OUTCOME)
    if kinds & {TITLE, PERSON}:  # "what is the report called?" wants its title, not the names of its authors
        kinds.discard(NAME)
    if kinds & {DAY, YEAR}:  # "what month…?", "what year…?" are not answered by "this year"
        kinds.discard(DATE)
    if NUMBER in kinds and _COUNTED_TIME.search(plain):  # "how many years" is how long, in years
        kinds.discard(NUMBER)
        kinds.add(COUNTED_TIME)
    if LENGTH in kinds:  # "how long is the report?" is not answered by "for years"
        kinds -= {DURATION, SPAN}
    if PLACE in kinds and _WHY.search(q):  # "which places vowed to obstruct trump and why?"
        kinds.discard(PLACE)
    return frozenset(kinds)


Facts = dict[str, tuple[str, ...]]  # kind -> the normalized strings of that kind found in the quotes


@lru_cache(maxsize=4096)
def _facts_of(text: str) -> Facts:
    found = {kind: {normalize(m.group(0)) for m in pattern.finditer(text)} for kind, pattern in _PROVIDES.items()}
    spans = {normalize(m.group(0)) for m in _SPAN.finditer(text)}
    found[COUNTED_TIME] = set(found[DURATION])
    found[DURATION] |= spans
    found[SINCE] = found[DATE] | spans
    found[SPAN] = spans
    found[COUNTED] = {stem(w) for m in _COUNTING.finditer(normalize(text)) for w in m.groups() if w}
    found[PERSON] = {name for name in found[NAME] if _ORGANISATION.isdisjoint(name.split())}
    found[NAMED_ROLE], found[UNNAMED_ROLE] = set(), set()
    for m in _ROLE.finditer(text):
        before = _CLAUSE_END.split(text[: m.start()])[-1].split()[-ROLE_WINDOW:]
        after = _CLAUSE_END.split(text[m.end() :])[0].split()[:ROLE_WINDOW]
        window = " ".join((*before, m.group(0), *after))
        named = any(_ORGANISATION.isdisjoint(normalize(n).split()) for n in _PROVIDES[NAME].findall(window))
        found[NAMED_ROLE if named else UNNAMED_ROLE].add(stem(m.group(0).lower()))
    return {kind: tuple(sorted(values)) for kind, values in found.items() if values}


def facts_in(texts) -> Facts:
    """Facts of each kind in these quotes. Cached per quote: a large knowledge base quotes the same
    few paragraphs of one article over and over."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for kind, values in _facts_of(text).items():
            found.setdefault(kind, set()).update(values)
    return {kind: tuple(sorted(values)) for kind, values in found.items()}


def provides(facts: Facts, wanted: frozenset[str], normalized_question: str) -> bool:
    """True if the quotes hold a fact of a wanted kind that the question does not already contain:
    "what was the Obama program called?" is not answered by the name "The Obama administration".
    "How many people…" also needs the quotes to count people: "364 days" does not answer it.
    "Who is the ICE chief?" needs a name next to "ICE chief", not "Libby Schaaf, Oakland mayor".
    A question about what happened afterwards needs a quote that says so, whatever else it asks."""
    asked = f" {normalized_question} "
    if NUMBER in wanted and (m := _HOW_MANY.search(normalized_question)):
        # "how many anti-deportation statutes" counts statutes: a word after anti/pro only qualifies it.
        words = [w for w in m.groups() if w]
        counted = {stem(w) for i, w in enumerate(words) if not (i and words[i - 1] in ("anti", "pro"))}
        if counted & _PEOPLE_OR_EVENTS and not counted & set(facts.get(COUNTED, ())):
            wanted = wanted - {NUMBER}
    # The role asked about comes first: "the name of the ICE chief who went after the Oakland mayor"; a role
    # after "whose" is someone else's ("the name of the group whose leader criticized the report").
    asked = _WHOSE_ROLE.sub(" ", normalized_question)
    if wanted & {NAME, PERSON} and (roles := {stem(r) for r in _ROLE.findall(asked)[:1]}):
        named = set(facts.get(NAMED_ROLE, ()))
        # nameless in the quotes, or the name there is someone else's ("Libby Schaaf, Oakland mayor" for the ICE chief)
        if not roles & named and (roles <= set(facts.get(UNNAMED_ROLE, ())) or named and NAME in wanted):
            wanted = wanted - {NAME, PERSON}
    if OUTCOME in wanted and not facts.get(OUTCOME):
        return False
    if PARTY in wanted and facts.get(PARTY):  # "is Inslee a Democrat?": the quote's "a Democrat" answers it
        return True
    return any(f" {value} " not in asked for kind in wanted for value in facts.get(kind, ()))
