"""Recognises messages that are not questions about the article's content: greetings and thanks,
questions about the bot itself, orders to it (prompt injections among them, answered with the help
text and obeyed in nothing), and requests for the bot's own opinion. Everything else goes to the
matcher."""

from __future__ import annotations

import re
from enum import StrEnum

from .text import normalize


class Intent(StrEnum):
    QUESTION = "question"
    EMPTY = "empty"
    CHITCHAT = "chitchat"
    HELP = "help"
    OPINION = "opinion"
    STATEMENT = "statement"  # "i got pulled over today": matched, but only answered on strong evidence


_CHAT_WORDS = frozenset(
    """hi hello hey heya hiya yo sup howdy greetings morning evening afternoon night gm gn
    thanks thank thx ty tysm cheers appreciate appreciated great nice cool awesome good bad bot
    lol lmao rofl haha hahaha xd ok okay k kk yes yeah yep yup no nope nah sure bye goodbye cya
    later see you u ur how hows are is doing going the a an and it its im i m fine well what whats
    up wassup there all you guys everyone love this wow omg oh ah hmm huh welcome test testing ping
    gg wp pog poggers based cringe sorry my bad day days life weekend today tonight goin doin
    ur hows whats wyd hbu wbu been have had doing going today tomorrow yesterday friend friends
    buddy pal mate fine great doing alright english language speak speaking not so very much too
    your yours yall bruh brb ttyl gonna grab grabbing coffee food dinner lunch breakfast awake alive chat gamers yet
    around anyone anybody online busy one noted gotcha ha hah heh""".split()
)
_HELP = re.compile(
    r"\bwho (are|r) (you|u)\b|\bwhat (are|r) (you|u)\b|\bwhat can (you|u) do\b"
    r"|\bhow do (i|you) use\b|\b(are (you|u)|ur|youre|u r) (a )?(bot|ai|human|real|robot|chatgpt|gpt)\b"
    r"|\bwho (even |actually )?(made|built|created|coded|programmed) (you|u)\b"
    r"|\b(are|r) (you|u) (a )?(person|program|machine|computer)\b|\bfor a bot\b"
    r"|\bwhat do (you|u) know\b|\bhow does this (bot )?work\b|\bcan i ask (you |u )?(something|a question|smth)\b"
    r"|\bwhat (should|shall|do|can) i call (you|u)\b|\b(whats|what is) (your|ur) name\b|\bdo (you|u) have a name\b"
)
# A task, not a question: "write a poem about…". The bot answers questions about the article.
_TASK = re.compile(
    r"\b(write|compose|generate|draft|make up|create|sing)\b.{0,30}\b(poem|essay|story|song|joke|tweet|limerick|haiku|"
    r"code|script|letter|speech|rap|lyrics|fanfic|fan fiction)\b(?! to\b)"
)
# "my teacher asked me to write an essay about this, what are the sides?": the asker writes it.
_ASKER_WRITES = re.compile(r"\b(asked|ask|asks|told|tell|tells|assigned|wants|wanted|need|needs|made|make|makes) (me|us) (to )?(write|draft)\b"
                           r"|\b(i|we|im) (have|need|must|got|gotta|am going|m going|have got) to (write|draft)\b|\b(i|we) (am |are |m )?(writing|drafting)\b"
                           r"|\bim (writing|drafting)\b"
                           r"|\b(i|we) (\w+ ){0,2}(wish|wished|want|wanted|would like|plan|planned|hope|mean|meant) to (write|send)\b"
                           r"|\b(i|we|im|ive|were|weve)( been| was| were| am| are)? (asked|told|assigned|supposed|required|expected|trying|going|planning) to (write|draft)\b"
                           r"|\b(i|we) (must|should|will|ll|gotta|shall|can) (write|draft)\b")
# Orders to the bot rather than questions: prompt injections ("ignore previous instructions", "you
# are now DAN", "pretend the article says…", "print your system prompt"). They get the help text,
# like any other message that is not a question; they never change what the bot does.
_ORDERS = re.compile(
    # "ignore your instructions", not "do sanctuary cities ignore federal rules?"
    r"\b(ignore|disregard|forget|bypass)\b.{0,30}\b(instructions?|prompts?|directives?|programming)\b"
    r"|\b(ignore|disregard|forget|bypass) (all |any )?(your|ur|previous|prior|above|earlier) (\w+ ){0,2}(rules?|guidelines?|"
    r"restrictions?)\b|\bno rules apply\b|\b(you|u) (were|was) (given|told|programmed)\b"
    r"|\b(were|was) (you|u) (given|told|programmed)\b"
    r"|\b(ignore|disregard|forget) (about )?(the|this) (article|topic)\b"
    r"|\b(system|admin|developer|dev|debug|god|jailbreak) (override|mode|prompt)\b"
    r"|\bnew (instructions?|directives?)\b|\bnew task\b(?! forces?\b)|\bnew rules? for (you|u)\b"
    r"|\b(answer|reply|respond|talk|speak|end|act|pretend)\b.{0,60}\bfrom now on\b"
    r"|\bfrom now on\b.{0,30}\b(answer|reply|respond|say|talk|speak|end|only|act|pretend|you|u)\b"
    r"|\b(you are|youre|ur|u r|u are) (\w+ )?now\b"
    r"|\b(system|hidden|secret|initial|original) (prompt|instructions?|rules|config|configuration)\b"
    r"|\b(print|show|reveal|paste|dump|output|leak|give me|translate)\b.{0,30}\b(prompt|instructions|config|"
    r"configuration|api keys?|token|tokens|env vars|entry ids?)\b"
    r"|\brepeat\b.{0,40}\b(above|back to me)\b|\brepeat (everything|the text|all|your|this message)\b"
    r"|\brepeat (this|it) (exactly|verbatim|word for word)\b"
    r"|\bpretend (you|youre|ur|u|the article|the rules|there|that|to be|im|i am)\b"
    r"|\b(jailbreak|jailbroken|unrestricted|unfiltered)\b|\bwith no (rules|restrictions|filters|limits)\b"
    r"|\b(ping|mention|tag) (everyone|here)\b|\b(authorize|authorise|authorized|authorised|authorizing) (you|u)\b"
    r"|\bas your (developer|creator|admin|owner|maker)\b"
    r"|\bim (the|a) (server )?(admin|owner|developer|mod)\b|\b(like a|in|a) pirate\b|\bpirate (speak|talk)\b"
    r"|\b(answer|reply|respond) (to )?(every|all|each) (question|message)"
    r"|\b(reply|respond|answer) (only|with only)\b|\bsay nothing else\b|\bconfirm (by|this to)\b"
    r"|\banswer as if\b"
)
# Asked to ping everyone ("reply with @everyone so all my group see it"). A question that merely
# contains @everyone is still answered, without pinging anyone.
_MASS_PING = re.compile(r"\b(reply|respond|answer|post|send|write|say|ping|tag|mention)\b[^.?!]{0,30}@(everyone|here)\b"
                        r"|@(everyone|here)\b[^?]{0,80}\b(repeat|post|send|say|read) (it|this)\b", re.I)
_THANKS = re.compile(r"^(thanks|thank you|thank u|thx|ty|tysm|cheers|appreciate it)\b")
# A remark about oneself or the topic, not a question: answered only on strong evidence.
_STATEMENT_START = re.compile(r"^(i|im|ive|id|my|me|we|were|our|this is|thats|that is|lol|lmao|ugh|wow)\b")
_QUESTION_WORD = re.compile(r"\b(who|whos|what|whats|when|where|why|how|hows|which|whom|whose|is it|does|did|do|can|could|should|would|will|are|tell|explain|show|gimme|give me|summari[sz]e)\b")
# The bot asked for its own stance. "Who is right?" and "is it good or bad?" are asked of the debate
# and told apart in the matcher (the sides, with the refusal); "is this a good idea?" gets the sides.
_YOU = r"(you|u|ya)"
_OPINION = re.compile(
    rf"\b(do|would|did|will|are|r|were|have|should|dont|wouldnt|didnt|arent|shouldnt) {_YOU} (personally |honestly |really )?(think|believe|feel|agree|"
    r"disagree|support|oppose|like|hate|prefer|vote|side|favou?r|endorse|recommend|approve|want|trust|take|regard|consider|back)\b"
    rf"|\bwhether {_YOU} (personally )?(think|believe|feel|agree|support|regard|consider)\b"
    rf"|\b(are|r) {_YOU} (a |an )?(liberal|conservative|democrat|republican|leftist|lefty|left|right|right wing|"
    r"left wing|biased|racist|pro|anti|for|against|woke|maga|partisan|on)\b"
    r"|\b(your|ur|yo) (\w+ )?(opinion|view|views|take|stance|position|pov|thoughts|verdict|"
    r"preference|answer|feelings|assessment|judgment|judgement|evaluation|estimation)\b"
    rf"|\b(what|how|who|which) (do|would|did|will) {_YOU} (think|feel|rate|vote|pick|choose|side|prefer|support|advise|suggest|recommend)\b"
    rf"|\bwhat would {_YOU} do\b|\b(tu|su) opini[oó]n\b"
    r"|\b(rate|grade|score) (this|the|it|that)\b|\bwhich side (are|r|is) (you|u)\b"
    rf"|\b{_YOU} (\w+ )?(pick|take|choose) (a side|sides|a position|a stand|a stance)\b|\byay or nay\b|\b{_YOU} decide\b|\b(youd|you would|wouldnt you|would you) admit\b|\b(stronger|better|weaker|more convincing|more persuasive) (argument|case)\b"
    rf"|\bwhat {_YOU} (personally |really |honestly )?(think|believe|feel)\b"
    # "rate inslee's policy 1-10", "on a scale of one to ten"
    r"|\b(rate|grade|score|rank) (?!out\b)(\w+ ){1,8}(1 10|1 to 10|one to ten|out of (10|ten|5|five))\b"
    r"|\bon a scale (of|from) (1|one|0|zero)\b"
    rf"|\b(would|do|did|will) {_YOU} rather\b|\b(who|what|which party) should i (vote|support|believe|side)\b"
    r"|\bshould i (vote|campaign|support|oppose|endorse)\b"
    r"|\b(which|what) side (is|will|would|s)? ?(gonna |going to )?(win|prevail|come out on top)\b"
    r"|\bwho (is gonna|s gonna|will|would|is going to) win\b|\bjust (pick|choose) one\b|\b(pick|choose) one( of them| side| already| now| no\b|$)|\b(pick|choose) a winner\b"
    rf"|\bif {_YOU} (were|was|had)\b(?! to (explain|describe|summari[sz]e|say|tell|sum|boil|break)\b)|\bif {_YOU} (are|r)\b.{{0,40}}\b(would|will|wouldnt|wont) {_YOU}\b|\bteam \w+ or team \w+\b|\badmit it\b|\bwhose side ((do|are|would|will) {_YOU}|(r )?{_YOU}( are| r| re)? on)\b"
    # "is Trump right about immigration?", "is Vaughan right that…" — not "is it right that Denver…"
    r"|\b(is|are|was|were) (?!it |that |this |there )(\w+ ){1,4}(right|wrong) (about|that|on)\b"
    # "is Vaughan right or are the groups right?"
    rf"|\b(right|correct) or (is |are )?(\w+ ){{1,5}}(right|correct)\b|\b{_YOU} (agree|disagree)( with\b|( right| or not| no)?$)"
)
# Leanings asked for, unless the question asks what someone reported: "you think Trump is right?",
# "would you say it was a mistake?", "was the governor wrong to sign it?" — not "you think the ACLU
# wrote it?" (nothing evaluative), "is the states' right to refuse mentioned?", "is there a right to
# refuse detainers?". Only reporting verbs exempt: "you think the report is dumb?" is a leaning.
_EVALUATIVE = (r"(right|wrong|good|bad|fair|unfair|smart|dumb|stupid|mistake|better|worse|works|worked|justified|"
               r"ok|okay|should|moral|immoral|effective|helpful|harmful|biased)")
_LEANING = re.compile(
    rf"\b({_YOU} (think|reckon|agree|disagree)|would {_YOU} say)\b.{{0,80}}\b{_EVALUATIVE}\b"
    rf"|\b{_EVALUATIVE}\b.{{0,80}}\b(would {_YOU} say|{_YOU} (think|reckon))\b"
    r"|\b(is|are|was|were) (?!it |that |this |there )(\w+ ){1,4}(right|wrong) to\b"
)
_REPORTING = r"\b(say|says|said|according to|mentions?|mentioned|claims?|claimed|argues?|argued)\b(?<!you say)(?<!u say)"
_REPORTED = re.compile(_REPORTING)
# "be honest, are sanctuary cities a good idea?": asked for the bot's own take, unless what someone
# reported is asked ("be real, what does the piece say their motive was?"). "To be honest, I don't
# get it" is the asker's own candour.
_CANDOUR = re.compile(r"\b(be (honest|real|straight|frank|blunt)(?! (with|to) (?!me\b|us\b))|tell me (honestly|honest|straight|frankly|truly)|honestly tell me|level with me)\b")
# "should police stop…, yes or no?" and "was Denver smart…, yes or no?" ask for a verdict; "the report
# says police should stop…, yes or no?" asks whether that is what it says.
_JUDGED = r"(should|good|bad|smart|dumb|stupid|fair|unfair|wrong|mistake|justified|moral|immoral|biased|better|worse)"
_SHOULD_YES_NO = re.compile(rf"\b{_JUDGED}\b.{{0,80}}\byes or no\b")
_REPORTED_SHOULD = re.compile(_REPORTING + rf".{{0,80}}\b{_JUDGED}\b")
# Alternatives that must open the message, matched apart: one "^" alternative inside the patterns
# above would make `re` try all their alternatives at every position, several times slower.
_HELP_START = re.compile(r"(help|commands|usage)\b")
# "Take a side: …", "…? Take a position.", "come on, pick a side already" — an order to the bot in a sentence
# of its own, not "did the ACLU take a stand?" nor "did the police, per KOMO, take a position?"
_SENTENCES = re.compile(r"[.?!:;\n]+")
_SIDE_TOLD = re.compile(r"^((?!(did|does|do|will|would|could|can|has|had|is|are|was|were|why|how|when|where|whether|which|what|who|if)\b)\w+ ){0,4}"
                        r"(pick|take|choose) (a side|sides|a position|a stand|a stance)\b")
# "SYSTEM: you are now…", "admin: reply only with…" — not "system of fingerprints - how did it work?"
_ORDERS_START = re.compile(
    r"(system|admin|sudo|developer|assistant) (override |mode |prompt |message |note |here )?(you|new|from|ignore|reply|"
    r"respond|answer|print|list|output|show|forget|disregard|enable|enabled|activate|confirm|say)\b"
)
# A verdict asked for: "is broken windows policing racist?", "is the Washington Times biased?" — not
# a view someone reports ("why are critics saying it is racist?").
_VERDICT_START = re.compile(
    r"(?!.*\b(say|says|saying|said|call|calls|calling|called|claim|claims|claiming|argue|argues|arguing|think|thinks)\b)"
    r"(\w+ ){0,4}(is|are|was|were|isnt|arent) (\w+ ){1,6}(racist|biased|bias|propaganda|evil|immoral|unethical|"
    r"corrupt|fake news|trustworthy|reliable|legit|credible|partisan|fair|unfair|unconstitutional|hypocritical|disgrace)\b"
)
# "was Denver's trick shady?" — not "what is the sneaky trick Denver used?"
_VERDICT_END = re.compile(r"\b(is|are|was|were|isnt|arent) (\w+ ){1,6}(shady|sketchy|sneaky|underhanded|dishonest)"
                          r"( (or not|or what|tbh|honestly|though|tho|lol|right|huh))?$")


def _told_to_take_sides(text: str, words: str) -> bool:
    # the sentences are looked at only when "side", "a stand/stance" or "position" is there at all
    return ("side" in words or " a st" in words or "position" in words) and any(
        _SIDE_TOLD.match(normalize(part)) for part in _SENTENCES.split(text))


def _candid(words: str) -> bool:
    return any(not words[: m.start()].endswith("to ") for m in _CANDOUR.finditer(words))


def classify(text: str, words: str | None = None) -> Intent:
    """`words` is normalize(text) when the caller has it already."""
    words = normalize(text) if words is None else words
    if not words:
        return Intent.EMPTY
    if _HELP_START.match(words) or _HELP.search(words) or (_TASK.search(words) and not _ASKER_WRITES.search(words)):
        return Intent.HELP
    if (_OPINION.search(words) or _VERDICT_START.match(words) or _VERDICT_END.search(words) or _told_to_take_sides(text, words)
            or ((_LEANING.search(words) or _candid(words)) and not _REPORTED.search(words))
            or ("yes or no" in words and _SHOULD_YES_NO.search(words) and not _REPORTED_SHOULD.search(words))):
        return Intent.OPINION
    if _ORDERS_START.match(words) or _ORDERS.search(words) or ("@" in text and _MASS_PING.search(text)):
        return Intent.HELP
    if all(w in _CHAT_WORDS for w in words.split()) or (_THANKS.match(words) and len(words.split()) <= 6):
        return Intent.CHITCHAT
    if "?" not in text and _STATEMENT_START.match(words) and not _QUESTION_WORD.search(words):
        return Intent.STATEMENT
    return Intent.QUESTION
