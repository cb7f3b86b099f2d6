"""What is said when the floor changes hands, as patterns, and the small finders built on them.

- The operator's routine: "I will be your conference operator", "press star one", "this concludes".
- Hand-overs: "Simona Jankowski, you may begin", "I'll turn the call over to Colette",
  "Operator, could you please poll for questions?".
- Questions announced ("Our next question comes from Joe Moore with Morgan Stanley. Please go
  ahead.") or read out ("Dan asks, ..."), and the floor opened ("we will now open the call for
  questions").
- "Thank you, X" opening a turn, an asker's follow-up, courtesies that end a question.
Names are matched case-sensitively (a capital starts each word); the words around them are not."""

from __future__ import annotations

import re

from hypewatch.crawler.transcripts.names import is_firm, is_name, special_role
from hypewatch.crawler.transcripts.text import sentences
from hypewatch.crawler.transcripts.vocabulary import NOT_A_FIRST_NAME, NOT_NAME_TAIL, STRONG_EXEC, TITLE_WORD, WEAK_EXEC

# --- in calls that name their speakers ---
# The operator announcing an analyst: "next question comes from the line of Joe Moore with Morgan Stanley".
# A name token is initials ("C.J.") or a word; a word's trailing full stop ends the sentence, not the name.
# A capital, Latin-1 and Latin Extended-A too: "Søren Ødegaard", "Élodie", "Łukasz".
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ž"
_NAME_TOKEN_PAT = rf"(?:[A-Z]\.(?:[A-Z]\.)*|[{_UPPER}][\w'’\-]*)"
_NAME_PAT = _NAME_TOKEN_PAT + r"(?:\s+(?:(?:de|da|van|von|del|la|le)\s+)?" + _NAME_TOKEN_PAT + r"){0,3}"

ANNOUNCED_ASKER = [
    re.compile(
        r"(?:\bquestions?(?![-\w])|\bline)[^.?!]{0,40}?\bfrom\s+(?:the line of\s+|line of\s+)?(?P<name>"
        + _NAME_PAT
        + r")"
        r"(?:\s*,?\s+(?:with|from|of|at)\s+(?P<firm>[A-Z][^,;?]*?)(?=[.,;?]\s|[.,;?]?$))?"
    ),
    re.compile(
        r"(?:go|move|turn|proceed)\s+(?:over\s+|next\s+)?to\s+(?:the line of\s+)?(?P<name>" + _NAME_PAT + r")"
        r"\s*,?\s+(?:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?]*)"
    ),
    re.compile(
        r"(?P<name>" + _NAME_PAT + r")\s*,?\s+(?:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?]*?)\s*[,.]?\s+"
        r"(?:your line is (?:now )?open|please go ahead|please proceed|you may proceed)"
    ),
]

QUESTION_CUE = re.compile(
    r"\b(?:first|next|following)\s+question\b|\bquestions?(?![-\w])[^.?!]{0,40}?\bfrom\b|\bline is (?:now )?open\b",
    re.I,
)

# A turn that asks: an analyst's ("Thanks for taking my question. How ...?").
ASKS = re.compile(
    r"\?|\b(?:can|could|would) you\b|\bif you (?:could|can|would)\b|\bI (?:was|am|'m) (?:wondering|curious)\b|\bmy (?:first |second |last |"
    r"follow-up )?question\b|\bthanks? (?:you )?for taking\b",
    re.I,
)

# --- in speech-to-text calls, where a cue is all there is: names may be first names, titled, misheard ---
_TOKEN = rf"(?:[A-Z]\.(?:\s?[A-Z]\.)*|[{_UPPER}][\w'’\-]*)"
_NAME = (
    r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+)?" + _TOKEN + r"(?:\s+(?:(?:de|da|van|von|del|la|le|di|du)\s+)?" + _TOKEN + r"){0,3}"
)
_LEAD = r"(?i:(?:and|so|yes|yeah|great|all right|alright|okay|ok|well|sure|hey|hi|good|perfect|now)\s*,?\s+)*"

ANNOUNCE = [
    # "Our next question comes from the line of Joe Moore with Morgan Stanley." (heard as "the line in" too)
    re.compile(
        r"(?i:\b(?:first|next|following|last|final|our|your|the|a|another|few|some|several|couple of|two|more)\s+"
        r"(?:[\w-]+\s+){0,2}?questions?\b[^.?!]{0,60}?\b(?:from\s+(?:the\s+line\s+(?:(?:of|in)\s+)?|line\s+of\s+)?"
        r"|to\s+the\s+line(?:\s+of)?,?\s+))(?P<name>" + _NAME + r")"
        r"(?:\s*,?\s+(?i:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?!]*))?"
    ),
    # "Let's go to Adam Jonas from Morgan Stanley.", "Next, we'll hear from Joe Quatrochi at Wells Fargo."
    re.compile(
        r"(?i:\b(?:go|move|turn|over|hear)\s+(?:next\s+|now\s+)?(?:to|from)\s+(?:the\s+line\s+of\s+)?)(?P<name>"
        + _NAME
        + r")"
        r"\s*,?\s+(?i:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?!]*)"
    ),
    # "From Robert Fishman of MoffettNathanson, ...": a question read out, by whom it was sent.
    re.compile(
        r"^(?i:(?:and|first|next|also|now)\s*,?\s+)?(?i:from)\s+(?P<name>"
        + _NAME
        + r")\s+(?i:of|at|with)\s+(?P<firm>[A-Z][^.,;?!]*)"
    ),
    # "Our next caller is Simon Leopold with Raymond James."
    re.compile(
        r"(?i:\b(?:first|next|following|last|final)\s+(?:caller|questioner|question)\s+(?:is|will be)\s+"
        r"(?:from\s+)?(?:the\s+line\s+of\s+)?)(?P<name>" + _NAME + r")"
        r"(?:\s*,?\s+(?i:with|from|of|at)?\s*(?P<firm>[A-Z][^.,;?!]*))?"
    ),
    # "And next will be Jake Weber with William Blair.", "First up we have Mark Moerdler of Bernstein."
    re.compile(
        r"(?i:\b(?:next|first|last|final)(?:\s+up)?\s*,?\s+(?:will be|is|we have|we'll have|we will have)\s+)"
        r"(?P<name>" + _NAME + r")\s*,?\s+(?i:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?!]*)"
    ),
    # "Next up is Kash Rangan, Goldman Sachs." (the whole sentence: "Next up is Arrow Lake, which ..." is not)
    re.compile(
        r"^(?i:(?:thank you|thanks|okay|ok|all right|great)[.,!]?\s+)?(?i:next up is|up next is)\s+(?P<name>"
        + _NAME
        + r")"
        r"\s*,?\s+(?i:with|from|of|at)?\s*(?P<firm>[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})\.?$"
    ),
    # "Next up from JP Morgan, it's Mark Murphy."
    re.compile(
        r"(?i:\b(?:first|next)\s+(?:up\s+)?(?:from|with)\s+)[A-Z][^.,;?!]{0,40},\s+(?i:it's|it is|we have)\s+"
        r"(?P<name>" + _NAME + r")"
    ),
    # "Carl Ackerman with BNP Paribas, you may go ahead.": the name, the firm and the floor at once.
    re.compile(
        r"^" + _LEAD + r"(?P<name>" + _NAME + r")\s*,?\s+(?i:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?!]{0,60}?)\s*,\s*"
        r"(?i:(?:if\s+)?(?:you may (?:now )?|please\s+)?(?:go ahead|proceed)|your line is (?:now )?open)\b"
    ),
    # "And Rich Greenfield from LightShed has a similar follow-up question."
    re.compile(
        r"^" + _LEAD + r"(?P<name>" + _NAME + r")\s+(?i:from|of|with|at)\s+(?P<firm>[A-Z][^.,;?!]*?)\s+"
        r"(?i:has|had|asks|is asking|wants)\b[^.?!]{0,40}\bquestion"
    ),
]

# "Tal Liani with Bank of America." then "You may go ahead, sir.": an announcement only with the go-ahead.
BARE_ANNOUNCE = re.compile(
    r"^(?i:(?:and|next|next up|up next|first)\s*,?\s+)?(?P<name>" + _NAME + r")\s*,?\s+(?i:with|from|of|at)\s+"
    r"(?P<firm>[A-Z][^.?!]{0,60}?)\.?$"
)

GO_AHEAD = re.compile(
    r"^(?i:(?:and|so|okay|ok|all right|alright)\s*,?\s+)?(?:(?:" + _NAME + r"|(?i:sir|ma'am|madam))\s*,\s*)?"
    r"(?i:please\s+)?(?i:go ahead|proceed|you may (?:now )?(?:go ahead|proceed|begin|ask your question)"
    r"|your (?:line|microphone|mic) is (?:now )?(?:open|live|unmuted)|(?:please )?(?:feel free to )?unmute(?: yourself)?"
    r"|the (?:line|floor) is (?:now )?yours|are you there|(?:here's )?your question,? please|(?:ask|state) your question)\b"
    r"[^.?!]{0,40}[.?!]?$"
)

# The moderator reading out a question sent in: "Dan asks, ...", "The next question is, ..." (not an
# answer recalling one, "David asked the question earlier on.", nor "Ben writes us with Melius", which
# is speech-to-text's "Ben Reitzes with Melius" announced).
READ_OUT = re.compile(
    r"^(?:(?P<name>" + _NAME + r")\s+(?i:asks|asked|wants to know|is asking|would like to know|writes)"
    r"(?=\s*[,:]|\s+(?i:in|whether|if|about|how|what|why|when|where|which|who)\b)"
    r"|(?i:(?:and\s+)?(?:the|our|their|his|her)\s+(?:first|next|second|third|last|final|follow[- ]?up)\s+"
    r"(?P<one>question|one)\s+(?:is|reads)\s*(?:[,:]|from\b|(?=(?:what|how|when|will|is|are|do|does|can|why|where|who|any)\b))))"
)

HAND_TO = [
    # "I'll turn the call over to Colette", "hand the conference over to your speaker today, Jim Friedland"
    re.compile(
        r"(?i:\b(?:(?:turn|turning|send|sending)\s+(?:the\s+(?:call|conference|floor|program|presentation|line|meeting)\s+|it\s+|things\s+|this\s+)?"
        r"(?:back\s+over|over|back)\s+to"
        r"|(?:hand|handing|pass|passing)\s+(?:(?:the\s+(?:call|conference|floor|program|presentation|line|meeting)|it|things)\s+"
        r"(?:back\s+)?(?:over\s+|off\s+)?|(?:back\s+)?over\s+)to"
        r"|(?:like to|now|let me|pleasure to)\s+introduce(?:\s+to\s+you)?)\s+"
        # "your host, Vice President of Investor Relations, Sujal Shah", "today's conference host Mr Craig Lampo"
        r"(?:(?:our|my|the|your|today's)\s+(?:(?:[\w-]+\s+){0,3}?(?:host|speaker|presenter)(?:\s+(?:for\s+)?today)?\s+"
        r"|[^,.;?!]{0,70}?,\s+(?:[^,.;?!]{0,60}?,\s+){0,2})|you,\s+)?)(?P<name>" + _NAME + r")"
    ),
    # "Simona Jankowski, you may begin your conference.", "So, Toshiya, you may begin your conference."
    re.compile(
        r"^(?:\[[^\]]{0,40}\]\s*)?(?i:(?:and|so|okay|ok|all right|alright)\s*,?\s+)?(?P<name>"
        + _NAME
        + r")\s*,\s*(?:[^,.;?!]{0,80},\s*)?(?i:you may (?:now )?(?:begin|proceed|start)|please (?:go ahead|proceed|begin)"
        r"|the (?:floor|call) is yours|over to you)"
    ),
    # "Elon has some opening remarks."
    re.compile(
        r"(?P<name>" + _NAME + r")\s+(?i:has|will make|will give|will share|would like to make|will start with)\s+"
        r"(?i:some\s+|a few\s+|brief\s+)?(?i:opening\s+|introductory\s+)?(?i:remarks|comments)"
    ),
    # "Mr. Amon, do you have anything further to add before adjourning the call?"
    re.compile(
        r"^(?P<name>" + _NAME + r")\s*,\s*(?i:do|would) you (?i:have|like to make) (?i:anything (?:further|else) to add"
        r"|any (?:closing|final|concluding|further) (?:remarks|comments))"
    ),
]

HAND_TO_OPERATOR = re.compile(
    r"(?i:\b(?:turn|hand|pass)\w*\s+(?:the\s+\w+\s+|it\s+)?(?:back\s+over|over|back)\s+to\s+(?:the\s+|our\s+)?"
    r"(?:operator|moderator|coordinator))"
)

# "I'd like to turn the floor back to management for any closing remarks."
HAND_TO_COMPANY = re.compile(
    r"(?i:\b(?:turn|hand|pass)\w*\s+(?:the\s+\w+\s+|it\s+)?(?:back\s+over|over|back)\s+to\s+(?:the\s+)?"
    r"(?:management|management team|presenters?|speakers?|company)\b)"
)

# "Sir, you may begin." / "Please go ahead." with no name: the company's speaker takes the floor.
HAND_TO_SOMEONE = re.compile(
    r"^(?i:(?:sir|ma'am|madam)\s*,\s*)?(?i:you may (?:now )?(?:begin|proceed)(?: your (?:conference|presentation|call))?)[.!]?$"
)

NOT_NOW = re.compile(
    r"^(?i:before|after|when|once|until|if)\b|\b(?i:before I|before we|after I|when I)\s+(?i:turn|hand|pass)"
)

# "Operator, could you please poll for questions?", "Michelle, next question."
OPERATOR_CALL = re.compile(
    r"^" + _LEAD + r"(?i:(?:thank you|thanks)\s*,?\s+)?(?:(?P<name>" + _NAME + r")|(?i:operator))\s*,\s*"
    r"(?i:(?:[^.?!]{0,40}\b)?(?:poll|queue|open (?:up )?the (?:line|lines|call|floor)|ready for (?:the )?questions"
    r"|(?:take|begin) (?:the )?(?:q|questions)|next question(?:,?\s*please)?\s*[.?!]?$))"
)

THANK_SIR = re.compile(r"^(?i:thank you|thanks),?\s+(?i:sir|ma'am|madam)\b")
TO_THE_OPERATOR = re.compile(r"(?i:^operator\s*,|\b(?:thank you|thanks),?\s+operator\b)")
ASKS_BY_NAME = re.compile(r"\b[A-Z][a-z]+\s+asks\b")
THANK = re.compile(
    r"^" + _LEAD + r"(?i:thank you|thanks)(?i:\s+(?:so much|very much|a lot))?\s*,?\s+(?i:(?:and|to)\s+)?"
    r"(?P<name>" + _NAME + r")(?:\s*(?i:,?\s*and)\s+(?P<name2>" + _NAME + r"))?\s*(?:[.,!;]|$)"
)

OPERATOR_INTRO = re.compile(
    r"(?i:\b(?:my name is|I'm|I am|this is)\s+)(?P<name>"
    + _NAME
    + r")(?i:,?\s+(?:and\s+)?I(?:'ll| will|'m| am)\s+be\s+"
    r"(?:your|the)\s+[\w\s]{0,20}?(?:operator|coordinator|moderator|facilitator))"
)

OPERATOR_PHRASES = re.compile(
    r"(?i:\b(?:I\s+(?:will|'ll|am|'m)\s+(?:be\s+)?your\s+(?:conference\s+|call\s+|event\s+)?"
    r"(?:operator|coordinator|moderator|facilitator|host)|listen[- ]only mode|thank you for standing by|press (?:star|\*)"
    r"|star (?:one|1)\b|operator instructions|(?:call|conference|program|event|webcast) is being recorded"
    r"|please stand by|you may (?:now )?disconnect|your line is (?:now )?(?:open|live)"
    r"|one moment (?:please )?for (?:our|the|your) (?:first|next)"
    r"|(?:lines|participants) (?:have been|are) (?:placed on mute|muted)|(?:currently )?on hold for|admitting additional participants"
    r"|there will be a question[- ]and[- ]answer session|you may (?:now )?begin your (?:conference|call|presentation)"
    r"|calling the replay of))"
)

# A sentence that starts the moderator's turn (it only ever comes from the moderator).
MODERATOR_START = re.compile(
    r"^(?i:(?:ladies and gentlemen,?\s+)?(?:and\s+)?(?:that|this)\s+(?:concludes|will conclude|ends)\s+(?:today's|our|the|this)\s+"
    r"(?:call|conference|question|program|session|event|q\s?&\s?a|earnings|teleconference|webcast)"
    r"|(?:and\s+)?(?:at this time,?\s+)?(?:there are|we have|I'm showing|I am showing|I show|showing)\s+no\s+(?:further|more)\s+questions"
    r"|one moment (?:please )?for (?:our|the|your) (?:first|next)"
    r"|(?:and\s+)?(?:the|this|today's) (?:conference|call|program|event) (?:is now|has now|is) (?:concluded|ended|over))"
)

# An answer's opening: taking the question, or the asker's name first ("Yeah, CJ, this is Tim.").
TAKES_QUESTION = re.compile(
    r"^(?:[^.?!]{0,40}?\b)?(?i:(?:great|good|fair|excellent|terrific)\s+question|thanks?(?: you)? for (?:the|your|that) question"
    r"|(?:let me|I'll|I will|I can|I'd like to)\s+(?:take|start with|answer|address|tackle|try to answer|handle) (?:that|this|the|it|your|both|a|part)"
    r"|I appreciate (?:that|it|the question)|\byour (?:first |second |last |other )?question\b"
    r"|this is [A-Z][a-z]+(?: [A-Z][a-z]+)?[.,]\s*$|(?<=, )this is [A-Z][a-z]+)"
)
ADDRESSED = re.compile(
    r"^(?i:(?:and|so|yes|yeah|great|all right|alright|okay|ok|well|sure|hey|hi|good|perfect|now|absolutely|certainly"
    r"|right|thanks|thank you)\s*,?\s+)*(?P<name>" + _TOKEN + r")\s*[,.!]"
)
# A word an asker takes the answer in with, before going on ("Okay.", "Thank you, Mark.", "Got you.").
_ACK_WORD = (
    r"(?i:okay|ok|great|perfect|terrific|excellent|all right|alright|(?:thanks|thank you)(?: very much| so much| a lot)?"
    r"|yes|yeah|yup|good|very good|fair enough|right|sure|I see|got it|got you|gotcha|understood|(?:very )?helpful"
    r"|that's (?:very |really |super )?helpful|that's great|(?:I )?appreciate (?:it|that)|it does|that does)"
)
# An asker taking the answer in before asking on: "Got it, that's helpful. And then on margins, ...?"
ACKNOWLEDGES = re.compile(
    r"^(?:" + _ACK_WORD + r"(?:,?\s+[A-Z][\w'’-]+)?\s*[,.!]?\s+)*"
    r"(?i:got it|got you|gotcha|understood|(?:that's|that is|that was|it's|very|super|really)\s+(?:very\s+|really\s+|super\s+)?helpful"
    r"|helpful|(?:that's |that )?makes (?:a lot of )?sense|(?:that's )?(?:great|good|helpful) colou?r"
    r"|(?:that's |that is )?(?:really |very )?(?:good|great) to hear"
    r"|appreciate (?:that|the colou?r|the detail|it)|(?:thanks|thank you) for (?:that|the (?:colou?r|details?|clarification))"
    r"|(?<=[,.!] )(?:and\s+)?(?:then|maybe|lastly|finally)\b"
    r"|(?<=[,.!] )(?:and\s+)?(?:just\s+)?(?:one|another|a)\s+(?:(?:other|more|quick|last|final)\s+)+(?:question|point|thing)"
    r"|(?<=[,.!] )(?:and\s+)?(?:then\s+)?(?:the\s+)?last one\b"
    r"|[^.?!]{0,60}\b(?:my|a|one|the)\s+(?:quick\s+|last\s+|second\s+)?(?:follow[- ]?up|second question|last question))\b"
)
# "Okay. But with the larger customers, ...": an asker pressing on after the answer.
PRESSES_ON = re.compile(r"^(?i:okay|ok|right|alright|all right|got it|got you|gotcha)[,.!]?\s+(?i:and|but)\b")
# An asker's next part: "And then, second, ...", "And then, Ruth, ...", "And if I could, ...".
ASKS_MORE = re.compile(
    r"^(?i:and\s+(?:then|second(?:ly)?|also|just|maybe|lastly|finally|if I (?:could|can|may))"
    r"|then\s+second|second(?:ly)?\s*,|and a (?:second|follow)"
    r"|(?:and\s+)?(?:for\s+)?my (?:second|main|other|real|next) question|and for my question"
    r"|(?:and\s+)?(?:I'll|I will|let me|I'd like to)\s+(?:just\s+|also\s+|quickly\s+)?ask\s+(?:my|a|the|both|them|two)\b"
    r"|and\s+I\s+(?:just\s+|also\s+)?(?:wanted|want|would like|'d like|was hoping)\s+to\s+"
    r"(?:ask|follow up|clarify|go back|touch on|dig into|get)\b)\b"
)
# "... with Morgan Stanley": a name followed by a firm is an asker's.
FIRM_AFTER = re.compile(r"\s*,?\s*(?:with|from|of|at)\s+[A-Z]")
# The floor given, anywhere in a text ("..., you may go ahead.", "Your line is open.").
GO_AHEAD_SAID = re.compile(r"(?i)\b(?:go ahead|your (?:line|microphone|mic) is (?:now )?(?:open|live))\b")
# Words of a moderator calling the queue: "Our first caller is ...", "... from the line of ...".
QUEUE_WORDS = re.compile(
    r"(?i)\b(?:first|next|following|last|final)\s+(?:[\w-]+\s+)?(?:question|caller|questioner)s?\b(?![- ]and)"
    r"|\bline of\b"
)
ANSWER_START = re.compile(r"^(?i:yeah|yes|yep|sure|absolutely|certainly|well)\s*[,.!]")

# An asker taking the floor no one announced (a call with no operator): "Thanks for taking my
# questions.", or "This is Ronan Kennedy on for Manav Patnaik." (SELF_INTRO with ANALYST_INTRO).
TAKING_QUESTIONS = re.compile(
    r"(?i:\bthanks?(?: you)?(?: so much| very much| a lot)?,? (?:guys |all |everyone )?for taking (?:my|our|the) questions?\b)"
)
SELF_INTRO = re.compile(r"(?i:\b(?:my name is|I'm|I am|this is)\s+)(?P<name>" + _NAME + r")(?P<rest>[^.?!]{0,100})")
ANALYST_INTRO = re.compile(r"^(?i:\s*,?\s*(?:on for|sitting in for|filling in for|in for|from|with|at|of)\b)")

QA_OPEN = re.compile(
    r"(?i:\b(?:now|let's|let us|ready to|happy to|like to|we'll|we will|I'll|go ahead and)\b[^.?!]{0,40}?"
    r"\b(?:open|begin|start|take|go to|move to|turn to|answer|jump into|move into|queue up|poll)\b[^.?!]{0,40}?"
    r"\b(?:questions|q\s?&\s?a|question[- ]and[- ]answer|q and a|(?:the|our) first question)\b"
    r"|\bconcludes?\s+(?:our|my|the)\s+prepared\s+(?:remarks|comments))"
)

FOLLOW_UP = re.compile(
    r"^(?i:(?:and|so|okay|ok|great|thanks|thank you|then|just|maybe|perfect|got it|understood|helpful|"
    r"very helpful|that's helpful)\s*[,.]?\s+)*(?i:(?:and\s+)?(?:then\s+)?(?:as\s+)?(?:a|my|our|one|the)\s+"
    r"(?:(?:quick|last|brief|other|more|final)\s+)*(?:follow[- ]?(?:up|on)|second question)"
    r"|(?:a|my|one|the)\s+(?:(?:quick|last|brief|other|more|final)\s+)+question(?! (?:is|was|that|of|you)\b)"
    r"|another question|(?:the\s+)?last one for me"
    r"|if I (?:could|can|may) (?:just )?(?:ask|follow up|squeeze)|(?:I have|I had|just) (?:a|one) (?:quick )?follow[- ]?up)"
)

# An asker signing off after the answer: "Okay. Thank you.", "Great. Thanks for all the details."
ASKER_CLOSING = re.compile(
    r"^(?i:okay|ok|great|got it|gotcha|all right|alright|perfect|very good|very helpful|excellent|terrific|fantastic"
    r"|helpful|understood|that's (?:very |really |super )?helpful|that's great|(?:I )?appreciate (?:it|that|the)"
    r"|thanks for (?:all )?the (?:details?|colou?r|answers?|clarification|update)|congrat\w*|(?:best of|good) luck)\b"
)

COURTESY = re.compile(
    r"^(?i:(?:and\s+)?(?:thank you|thanks)(?:\s+(?:so much|very much|a lot|again))?(?:,?\s+(?:guys|everyone|all))?"
    r"|that's (?:it|all)(?: for me)?|I'll (?:pass it on|hop|get|jump) back (?:in(?:to)?|in the) (?:the )?queue"
    r"|(?:and\s+)?congrat\w*(?:\s+on\s+[^.?!]{0,50})?)[.!]?$"
)

# An asker checking the line or asking after the company's health: no question about the business.
PLEASANTRY = re.compile(
    r"^(?i:(?:(?:hi|hey|hello|good (?:morning|afternoon|evening|day)|yes|yeah|okay|ok|thanks|thank you)\s*,?\s*"
    r"(?:[A-Z][\w'’-]*\s*,?\s*|guys\s*,?\s*|everyone\s*,?\s*|all\s*,?\s*)?[.!]?\s*)*"
    r"(?:hello|hi|hey|how are you(?: (?:doing|guys|all|today|this (?:morning|afternoon|evening)))*"
    r"|can you (?:guys |all )?hear me(?: (?:ok|okay|alright|all right|now|well|clearly))?|am I (?:on|live|audible)"
    r"|are you (?:there|able to hear me)|do you hear me|is my line (?:open|live)|good (?:morning|afternoon|evening))"
    r"(?:\s*,?\s*(?:guys|everyone|everybody|all|[A-Z][\w'’-]*))?\s*[?.!]?$)"
)

HELLO = re.compile(r"^(?i:(?:yes|yeah|okay|ok)\s*,?\s+)?(?i:hi|hey|hello|good (?:morning|afternoon|evening|day))\b")

GREETING = re.compile(
    r"^(?i:(?:(?:yes|yeah|great|okay|ok)\s*,?\s+)?(?:hi|hey|hello|good (?:morning|afternoon|evening|day)|"
    r"(?:thanks|thank you)(?: so much| very much| a lot)?,? (?:for taking|guys|everyone|all)))\b"
)

INTRO_LIST = re.compile(
    r"(?i:\b(?:with me|joining me|joined by|joining us|with us|on the call|on today's call|here with me|"
    r"also on the call|also here|also with us|participating)\b)"
)

LIST_NAME = re.compile(rf"[{_UPPER}][\w'’\-]+(?:\s+[A-Z]\.)?(?:\s+[{_UPPER}][\w'’\-]+){{1,2}}")
LIST_TITLE = re.compile(r"\s*,\s*(?:our\s+|the\s+|[A-Z]\w+'s\s+)?([^,;.]{2,80})")

# Speech-to-text often ends a question with a full stop: "And do you think they're limited to ...".
_QUESTION_FORM = re.compile(
    r"^(?:[^,]{0,40},\s*)?(?:(?:and|so|but|then|also|maybe|just|or)\s+)*(?:do|does|did|can|could|would|will|should|"
    r"is|are|how|what|why|where|which|any|anything)\b|\b(?:do|does|did|can|could|would|should|are)\s+(?:you|we|they)\s+"
    r"(?:think|see|expect|have|plan|anticipate|view|believe|need|consider|help|talk|give|share|comment|walk|elaborate)\b",
    re.I,
)


def find_cues(text: str) -> dict[str, str | None]:
    """Names the operator announces as askers, with their firms."""
    found: dict[str, str | None] = {}
    for pattern in ANNOUNCED_ASKER:
        for m in pattern.finditer(text):
            name = m.group("name").strip()
            if is_name(name) and not special_role(name):
                firm = (m.group("firm") or "").strip() or None
                if firm:
                    firm = re.split(r"\.\s|\s+(?:please|your line|is now|you may)\b", firm)[0].strip(" .") or None
                found.setdefault(name, firm)
    return found


def announced_names(text: str) -> list[str]:
    """The askers a text announces ("our next question comes from Andrew from Morgan Stanley")."""
    names = []
    for pattern in ANNOUNCE:
        for m in pattern.finditer(text):
            if name := person_name(m.group("name")):
                names.append(name)
    return names


def reads_out(paragraphs: list[str]) -> bool:
    """Whether a turn reads out a question sent in ("Dan asks, ...", "The next question is ...")."""
    return any(READ_OUT.match(s) for p in paragraphs for s in sentences(p)[:3])


def operator_routine(text: str) -> bool:
    """Whether a text has the operator's routine ("press star one", "your line is open")."""
    return bool(OPERATOR_PHRASES.search(text))


def opens_floor(paragraph: str) -> bool:
    """Whether a paragraph opens the call to questions ("we will now open the call for questions")."""
    return bool(QA_OPEN.search(paragraph))


def is_courtesy(text: str) -> bool:
    """ "Thank you.", "Thanks, Ted.": a sentence that only thanks."""
    return len(text.split()) <= 6 and bool(COURTESY.match(text) or THANK.match(text))


def is_question(text: str) -> bool:
    return text.rstrip(' "”’)]').endswith("?") or bool(_QUESTION_FORM.search(text))


def single_first_name(name: str) -> str | None:
    person = person_name(name)
    return person if person and " " not in person else None


def person_name(name: str | None) -> str | None:
    """A name as a cue gives it, if it can be a person's: "Colette", "Joe Moore", not "Morgan Stanley"."""
    if not name:
        return None
    name = re.sub(r"['’]s$", "", name.strip())
    tokens = name.split()
    # "co-CEOs Ted Sarandos", "CFO Spence Newman": a title before the name is not part of it.
    while len(tokens) > 1 and (
        TITLE_WORD.fullmatch(tokens[0]) or STRONG_EXEC.fullmatch(tokens[0]) or WEAK_EXEC.fullmatch(tokens[0])
    ):
        tokens.pop(0)
    # The name pattern may run on into the next words: "Timothy R. Please go ahead".
    while len(tokens) > 1 and tokens[-1].lower().strip(".,") in NOT_NAME_TAIL:
        tokens.pop()
    name = " ".join(tokens)
    if not name or is_firm(name) or special_role(name) not in (None, "operator"):
        return None
    if len(tokens) == 1:
        word = tokens[0].strip(".")
        ok = (
            re.fullmatch(r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?", word)
            and word.lower().replace("’", "'") not in NOT_A_FIRST_NAME
        )
        return word if ok else None
    return name if is_name(name) else None


def named_in_hand_over(text: str, start: int) -> str | None:
    """The person a hand-over from `start` names where the pattern's reach over commas landed on a
    title: "... over to your host, Brett Iverson, Vice President of Investor Relations."."""
    for piece in re.split(r"\s*,\s*", text[start:]):
        piece = re.sub(r"^.*?\b(?:to|introduce)\s+(?:(?:our|my|the|your|today's)\s+)?", "", piece).strip(" .")
        if re.fullmatch(_NAME, piece) and (name := person_name(piece)):
            return name
    return None
