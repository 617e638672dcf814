"""English phrases of common algorithm steps, read as the tokens of the statement they tell.

`walkthrough.SPOKEN` reads an operator or a keyword from one word ("remainder", "at least"). Some steps are told with no
such word: a run over neighbours ("if today is warmer than the day before, the streak grows by one; otherwise it starts
over at 1; the best is the longer of the two"), a recursion on the rest of a list ("the ways without the first coin: the
same amount with the rest of the coins"), a grouping by a key ("lower-case each word; if its key is new, give it an empty
set; keep only the groups with two or more words"). Each pattern here gives the tokens such a phrase names: `temps[i] >
temps[i - 1]` is `gt`, `sub`, `num:1`; `coins[1:]` is `num:1` and, in a recursive reference, the call by name
(`RECURSE`). Only phrases that name a step's operation are listed: a word that is the exercise's own subject ("streak",
"anagram", "coin") names nothing, so a list that restates the statement tells no step.
"""

from __future__ import annotations

import re

RECURSE = "~recurse"  # the recursive call told in words: `walkthrough.RECURSE`
ITEMS = r"(?:coins?|items?|elements?|values?|numbers?|entries|entry|words?|letters?|characters?|days?|temperatures?|readings?)"

PHRASES = [
    # comparing neighbours: "warmer than the day before" is `temps[i] > temps[i - 1]`
    (r"\b(?:strictly )?(?:warmer|hotter|higher|taller|heavier|longer|older|stronger|faster|louder|wider|deeper|cheaper)\s+than\b",
     ("gt",)),
    (r"\b(?:strictly )?(?:colder|cooler|lower|shorter|lighter|younger|slower|narrower|shallower)\s+than\b", ("lt",)),
    (r"\bnot (?:bigger|larger|greater|more|higher|above)\b|\bfits? (?:in(?:to)?|within)\b|\bsmall enough\b|\bdoes not exceed\b", ("le",)),
    (rf"\bthe (?:{ITEMS}|one) (?:just )?before(?! (?:you|the loop|it starts|calling))\b|\bthe previous (?:{ITEMS}|one)\b"
     rf"|\bprevious (?:{ITEMS}|one)\b|\byesterday\b", ("sub", "num:1")),
    (rf"\bfrom the second (?:{ITEMS}|one|position|index)?\s*(?:on(?:wards?)?|to the end)\b|\bstarting (?:at|from|with) the second\b"
     rf"|\bfrom index (?:1|one) (?:on|to the end)\b", ("call:range", "call:len", "num:1")),
    # a counter that grows and starts over
    (r"\bgrows? by\b|\bgo(?:es)? up by\b|\bone longer\b|\bcount(?:s)? one more\b", ("add",)),
    (r"\breset(?:s|ting)?\b|\bstart(?:s|ing)? (?:over|again|afresh)\b|\bgo(?:es)? back to\b|\bback to (?:1|one|0|zero)\b",
     ("assign",)),
    # keeping the best: "the best is the longer of the two"
    (r"\bthe (?:longer|longest|higher|highest) of\b|\b(?:new|beats? the) (?:best|record|longest|maximum)\b|\b(?:best|longest) so far\b",
     ("call:max",)),
    (r"\b(?:is|are|gets|keeps?) (?:now |always )?the (?:longer|longest|larger|bigger|greater|higher|smaller|shorter|lower) of\b", ("assign",)),
    # recursion on what is left: "the rest of the coins" is `coins[1:]`, "the same amount with the same coins" the call
    (rf"\bthe rest of the {ITEMS}\b|\bthe remaining {ITEMS}\b|\ball (?:the {ITEMS} )?but the first\b|\bwithout the first {ITEMS}\b"
     rf"|\b(?:drop|skip)(?:ping)? the first {ITEMS}\b", (RECURSE, "num:1")),
    (rf"\b(?:with|using|on|for) (?:all )?the same {ITEMS}\b|\bthe same (?:question|problem|count|computation)\b", (RECURSE,)),
    (rf"\bthe first {ITEMS}\b", ("num:0",)),
    (r"\bwhat(?:'s| is) left (?:after|once|when)\b|\bleft to pay after\b", ("sub",)),
    # grouping by a key
    (r"\b(?:lower|upper)[- ]?case (?:it|them|each|every|the|this|that|all|its|your|[a-z])\b"
     r"|\b(?:put|make|turn|change|bring|get)s? (?:it|them|(?:each|every|the|this|that) \w+|[a-z]) (?:(?:in(?:to)?|to) )?(?:lower|upper)[- ]?case\b",
     ("assign",)),
    (r"\b(?:is|are) new\b|\bnot (?:yet )?seen\b|\bha(?:ve|s)(?:n't| not) (?:yet )?seen\b|\bseen (?:it|the \w+) (?:yet|before)\b"
     r"|\bfirst time\b|\bnot (?:there|in (?:it|the \w+)) yet\b", ("in",)),
    (rf"\b(?:with|has|have|having|holds?|of) (?:at least |at most |more than |fewer than |less than |exactly )?(?:\d+|two|three|four|five)"
     rf" (?:or (?:more|fewer|less) )?(?:different )?(?:{ITEMS}|members|elements)\b", ("call:len",)),
    (r"\bkeep(?:s|ing)? (?:only )?(?:those|the ones|these|the groups|the sets|the lists)\b", ("call:append",)),
    (r"\badd(?:s|ed|ing)? (?:it|them|the|each|this|that|every|\w+)(?: [\w-]+){0,2} (?:to|into) (?:it|them|this|that|its|their|the set)\b",
     ("call:add",)),
    (r"\b(?:each|every) (?:set|list|group) (?:in|of) the (?:dict(?:ionary)?|map(?:ping)?)\b", ("call:values",)),
]
PHRASES_RE = [(re.compile(pattern), tokens) for pattern, tokens in PHRASES]


def phrase_tokens(lowered: str) -> set[str]:
    """The tokens the phrases of a (lower-cased) unit name."""
    return {token for pattern, tokens in PHRASES_RE if pattern.search(lowered) for token in tokens}
