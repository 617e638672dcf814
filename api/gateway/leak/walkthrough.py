"""Walkthroughs: an answer that tells the reference solution statement by statement.

Each statement of the reference becomes a bag of meaning tokens that survive any
rewording: the control keyword (`for`, `if`, `return` ...), its operators (`%`, `==`,
`+=`), the builtins and methods it calls and the constants it uses. The answer is cut into
units (lines, sentences, clauses) and each unit gets the same tokens, read from symbols and
from their English names ("remainder", "equal to", "add ... to", "give back"), and methods from their English
or JavaScript names ("in lower case", `toLowerCase`, "append", `push`, "how many", `.length`), and from the
common words of French, German, Spanish, Italian and Portuguese steps ("pour chaque", "für jedes", "para cada", "renvoie",
"gib zurück", "devuelve", "ajoute", "hänge an", "añade", "trie", "sortiere", "ordena", "au moins", "mindestens", "al menos",
"inizia con", "comece com", "una lista vuota"), and of Dutch, Polish, Russian, Chinese, Japanese and nine more (`stepwords`, `stepwords_world`), and from the words of a recipe told in prose ("walk along", "no later than",
"whichever is later", "padded to two digits", "a dash"). The
statements are then aligned in order with the units (a unit may carry several consecutive
statements); the weighted share of the reference that aligns is the answer's ordered
coverage. A high coverage is a walkthrough, even if nothing in the answer runs.
"""

from __future__ import annotations

import ast
import copy
import builtins
import re
from dataclasses import dataclass
from functools import lru_cache

from .similarity import NESTED, _shallow, statements
from .stepphrases import phrase_tokens
from .stepwords import BARE_MARKS, marks_named, tongue_tokens

TERSE_WORDS = 12  # a unit of at most this many words and no step verb is a terse phrase: its keywords go without saying
TERSE = "~terse"  # the mark of such a unit among its tokens
STRUCTURE = frozenset(("if", "assign", "return", "eq"))  # what a terse step list says by its shape ("under 12: 6")
ITEM = "~item"  # the mark of a unit that is an item of a list (numbered or bulleted)
ITEM_STRUCTURE = STRUCTURE | {"for"}  # what a list item says by being a step ("1. lower-case and split the text into words")
ITEM_CONTENT = 2  # tokens an item must name of a step to tell it so (calls, operators, constants)
MATCH = 0.75  # share of a statement's tokens a unit must carry to count as telling it (all of them up to three)
MIN_STEPS = 3  # a reference of fewer steps is a formula: told in words, every token of a rich enough step must be there
RICH = 4  # tokens a step of such a short reference needs to be told at all (`return sorted(x)` is no walkthrough)
BUILTINS = {name.lower() for name in dir(builtins) if not name.startswith("_")}  # as read from lower-cased text

STATEMENT_TOKENS = {
    ast.For: "for", ast.AsyncFor: "for", ast.While: "while", ast.If: "if", ast.Return: "return", ast.Break: "break",
    ast.Continue: "continue", ast.Raise: "raise", ast.Try: "try", ast.Assign: "assign", ast.AnnAssign: "assign",
    ast.With: "with", ast.Delete: "del", ast.Assert: "assert",
}
VERBS = frozenset(STATEMENT_TOKENS.values())  # a unit that says one of these is worded with its verbs: read as it is
OPERATOR_TOKENS = {
    ast.Mod: "mod", ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "div", ast.Pow: "pow",
    ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.In: "in", ast.NotIn: "in",
    ast.And: "and", ast.Or: "or", ast.Not: "not", ast.USub: "sub", ast.Is: "eq", ast.IsNot: "ne", ast.BitAnd: "and", ast.BitOr: "or",
    ast.comprehension: "for", ast.IfExp: "if",
}
# how these tokens are written in code and in prose
SPOKEN = [
    ("for", r"\bfor\b|\beach\b|\bevery\b|\bloop|\biterat|\bgo(?:es)? through\b|\bvisit|\brepeat|\bwalk(?:s|ed|ing)? (?:along|through|over|down)\b"),
    ("while", r"\bwhile\b|\buntil\b|\bas long as\b"),
    ("if", r"\bif\b|\bwhen(?:ever)?\b|\bunless\b|\bonly\b|\bcheck"),
    ("return", r"\breturn|\bgive back\b|\bhand back\b"),
    ("break", r"\bbreak\b|\bstop the loop\b"),
    ("continue", r"\bcontinue\b|\bskip\b"),
    ("raise", r"\braise|\bthrow"),
    ("try", r"\btry\b|\bcatch\b|\bexcept\b"),
    ("with", r"\bwith\b"),
    ("del", r"\bdel\b|\bdelete\b|\bremove\b"),
    ("assert", r"\bassert"),
    # an equation's result (`100 + -30` = 70, in a trace) assigns nothing
    ("assign", r"(?<![=!<>+\-*/%])(?<!\d)(?<!\d )(?<!\d`)(?<!\d` )=(?!=)|<-|←|:=|\bset\b|\bassign|\bstart(?:s|ing)? (?:at|with|from)\b|\binitiali[sz]e|\bstore\b|\bbecomes?\b|\blet\b"
               r"|\bturn(?:s|ed)? (?:it|them|\w+|the \w+) into\b|\bconvert|\b(?:called|named)\b"
               r"|\breplac(?:e|es|ed|ing)\b[^.;:]{0,40}?\b(?:by|with)\b"
               r"|\b(?:an? )?empty (?:list|dict\w*|set|string)\b|\bkeep(?:s|ing)? (?:a|an) (?:running |new |empty )?(?:list|total|count|sum|dict\w*|set)\b"),
    ("mod", r"%|\bmod(?:ulo)?\b|\bremainder\b"),
    # "you've added `balance = start`" tells what the student's code has, not the operator
    ("add", r"\+|\badd(?!ed\b)|(?<!you )(?<!'ve )(?<!’ve )(?<!have )\badded\b|\bglue|\bconcatenat|\bplus\b|\bincrease|\bincrement|\bsum\b|\b(?:in)?to the (?:running )?(?:total|sum|count)\b"),
    ("sub", r"(?<![\w\s])-|\s-\s*\w|\bsubtract|\bminus\b|\bdecrease|\bdecrement|\bnegative\b|\blast\b"  # last: [-1]
            r"|\d+ (?:less|off|fewer)\b(?! than)|\bdiscount of\b|\btake (?:away|off)\b"),
    ("mul", r"(?<!\*)\*(?!\*)|\btimes\b|\bmultipl"),
    ("div", r"(?<!/)/|\bdivide|\bdivision\b|\bquotient\b"),
    ("pow", r"\*\*|\bpower\b|\bsquared?\b|\bexponent"),
    ("ne", r"!=|\bnot equal|\bdiffer|\bis not\b"),
    ("eq", r"==|\bequals?\b|\bequal to\b|\bis zero\b|\bis none\b|\bsame as\b|\bis\b"),
    ("lt", r"(?<!<)<(?![=<])|\bless than\b|\bsmaller than\b|\bbelow\b|\bunder\b"),
    ("le", r"<=|\bat most\b|\bno (?:more|later|bigger|larger|greater|higher) than\b|\b(?:and|or) (?:less|fewer|under|below|lower|younger)\b(?! than)"),
    ("gt", r"(?<!-)>(?![=>])|\bgreater than\b|\bmore than\b|\blarger than\b|\babove\b|\bexceeds?\b|\bbigger than\b"),
    ("ge", r">=|\bat least\b|\bno (?:less|earlier|smaller|fewer|lower) than\b|\b(?:and|or) (?:more|over|above|higher|older|up)\b(?! than)"),
    ("in", r"\bin\b|\bcontains?\b|\bmember"),
    ("and", r"\band\b|&|\bintersect|\bboth\b"),
    ("or", r"\bor\b|\|\||\bunion\b|\beither\b"),
    ("not", r"\bnot\b|!(?!=)|(?:(?<=\bis )|(?<=\bare ))empty\b|\bif no\b"),  # `is` itself reads as eq
]
SPOKEN_RE = re.compile("|".join(f"(?P<{token}>{pattern})" for token, pattern in SPOKEN), re.I)
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "hundred": 100, "half": 2, "twice": 2, "double": 2, "last": 1}
# methods and builtins named in prose or by their JavaScript names: the Python call a step tells
NAMED_CALLS = [
    (r"\blower[- ]?case|\blowercase|\btolowercase\b|\b(?:in )?any case\b|\bcase[- ]insensitive|\bignor\w* (?:the |its )?case\b"
     r"|\bwhatever (?:the |its )?case\b", ("lower",)), (r"\bupper[- ]?case|\buppercase|\btouppercase\b", ("upper",)),
    (r"\bsort(?:s|ed|ing)?\b", ("sorted", "sort")), (r"\bjoin(?:s|ed|ing)?\b", ("join",)),
    (r"\bappend(?:s|ed|ing)?\b|\bpush(?:es|ed|ing)?\b|\b(?:in|on)?to the (?:end of the )?(?:new )?(?:list|result|output|answer)\b", ("append",)), (r"\bextend(?:s|ed|ing)?\b", ("extend",)),
    (r"\b(?:the )?(?:larger|largest|bigger|biggest|greater|greatest) of\b|\bmaximum\b|\bwhichever is (?:later|larger|bigger|greater|higher|longer)\b", ("max",)),
    (r"\b(?:the )?(?:smaller|smallest|lesser|least) of\b|\bminimum\b|\bwhichever is (?:earlier|smaller|lower|shorter)\b", ("min",)),
    (r"\b(?:is|isn't|is not) (?:a|an) (?:dict|dictionary|list|bool|boolean|int|integer|float|str|string|tuple|set|number)\b", ("isinstance",)),
    (r"\brepeat\b", ("range",)), (r"\bnumbered\b|\b(?:position|index) \w+ and\b", ("enumerate",)),
    (r"\bstart(?:s|ing)? with\b", ("startswith",)), (r"\bend(?:s|ing)? with\b", ("endswith",)),
    (r"\badd(?:s|ed|ing)? (?:it|them|the|each|this|that|every|\w+) (?:\w+ )?(?:to|into) (?:the|its|a|an|that)\b", ("add",)),
    (r"\bvalues\b", ("values",)), (r"\bkeys\b", ("keys",)), (r"\bkey-value pairs\b", ("items",)),
    (r"\.(?:length|size)\b|\blength\b|\bhas (?:at least|at most|more than|fewer than|less than|exactly) (?:\d+|two|three) \w+", ("len",)),
    (r"\bempty set\b|\bnew set\b", ("set",)), (r"\bsplit(?:s|ting)?\b", ("split",)), (r"\btrim\b|\bstrip(?:s|ped|ping)?\b", ("strip",)),
    (r"\bpadstart\b|\bpad(?:s|ded|ding)? (?:\w+ )?(?:to|with)\b|\bleading zeros?\b", ("zfill",)),
    (r"\bindexof\b|\b(?:position|index) of\b[^.;]{1,60}\bin\b", ("index",)), (r"\bin order (?:of|by)\b", ("sorted", "sort")),
    (r"\btofixed\b", ("round",)), (r"\bstring\(|\b(?:as|to|into) (?:a )?(?:string|text)\b|\bdigits\b", ("str",)), (r"\bparseint\b", ("int",)),
]
NAMED_CALLS_RE = [(re.compile(pattern), names) for pattern, names in NAMED_CALLS]
# the same steps told in French, German or Spanish: the tokens a step's words name; the identifiers, operators, literals
# and order of the steps do the rest, as in English (only read in a unit with a word of those languages: FOREIGN)
STEP_WORDS = [
    (r"\bpour (?:chaque|tou[ts]|toutes?)\b|\bparcour\w*|\bfür (?:jede[nsmr]?|alle)\b|\bdurchl[äa]uf\w*|\bgehe? .{1,40} durch\b"
     r"|\bpara (?:cada|todos?|todas?)\b|\brecorr\w*|\bitera\w*", ("for",)),
    (r"\btant que\b|\bsolange\b|\bmientras\b|\bjusqu'(?:à|a) ce que\b|\bhasta que\b", ("while",)),
    (r"\bsi\b|\blorsque\b|\bquand\b|\bwenn\b|\bfalls\b|\bsofern\b|\bcuando\b", ("if",)),
    (r"\bretourn\w*|\brenvo\w*|\brend(?:s|re)?\b|\bzurück\w*|\bliefer\w*|\bdevu[eé]lv\w*|\bdevolver\b|\bregres[ae]\w*|\bretorn\w*",
     ("return",)),
    (r"\bcr[ée]\w*|\binitialis\w*|\bmets?\b|\bassoci\w*|\bstocke\w*|\bcommence\w* (?:avec|par)\b|\bdevient\b|\bappel[ée]e?s?\b"
     r"|\bnomm[ée]e?s?\b|\blege\b|\blegt\b|\bsetze?n?\b|\bspeicher\w*|\binitialisier\w*|\bbeginn\w* mit\b|\bwird zu\b|\bnamens\b"
     r"|\bgenannt\b|\bcrea\w*|\bguarda\w*|\basign\w*|\bempie(?:za|zan|zar) (?:con|en)\b|\binicializ\w*|\bllamad[oa]s?\b|\bpon\b"
     r"|\bconvi[ée]rt\w*|\bconverti\w*|\bwandle\w*|\bumwandeln\b|\bmach\w* .{1,30} zu\b"
     r"|\bliste vide\b|\bleere[nr]? liste\b|\blista vac[ií]a\b|\bdictionnaire vide\b|\bleere[sn]? (?:dict\w*|wörterbuch)\b|\bdiccionario vac[ií]o\b"
     r"|\b(?:la|le|les|l'|der|die|das|el|los|las) \w+ (?:est|ist|es|sera|wird|será)\b", ("assign",)),
    (r"\breste de la division\b|\bdivisionsrest\b|\brest (?:der|bei der) division\b|\bresto de (?:la )?división\b|\bmodul[oe]\b|\bmódulo\b",
     ("mod",)),
    (r"\bajout\w*|\badditionn\w*|\baugment\w*|\bincr[ée]ment\w*|\bsomme\b|\baddier\w*|\bhinzufüg\w*|\bfüge?n?\b|\bfügt\b|\berhöh\w*"
     r"|\bsumme\b|\bsuma\w*|\baument\w*|\bañad\w*|\bagreg\w*|\bmás\b|\banhäng\w*|\bhänge?n?\b|\bhängt\b", ("add", "call:append", "call:add")),
    (r"\bsoustra\w*|\bmoins\b|\bdiminu\w*|\bd[ée]cr[ée]ment\w*|\bsubtrahier\w*|\bverringer\w*|\bzieh\w* .{1,30} ab\b|\brest(?:a|ar|ando)\b"
     r"|\bmenos\b|\bdisminu\w*|\bdecrement\w*", ("sub",)),
    (r"\bmultipli\w*|\bfois\b|\bmal\b|\bveces\b", ("mul",)),
    (r"\bdivis\w*|\bgeteilt\b|\bteile\b|\bdivid\w*|\bcociente\b", ("div",)),
    (r"\bpuissance\b|\bau carr[ée]\b|\bpotenz\b|\bquadrat\w*|\bpotencia\b|\bal cuadrado\b", ("pow",)),
    (r"\bdiff[ée]rent\w*|\bungleich\b|\bnicht gleich\b|\bverschieden\b|\bdistint\w*|\bno es igual\b|\bdiferente\b", ("ne",)),
    (r"\b[ée]ga(?:l|le|ux|les)\b|\best\b|\bgleich\b|\bist\b|\bigual\w*|\bes\b", ("eq",)),
    (r"\binf[ée]rieure?s? ou [ée]ga\w*|\bplus petite? ou [ée]ga\w*|\bau plus\b|\bau maximum\b|\bkleiner (?:als )?oder gleich\b"
     r"|\bhöchstens\b|\bmenor o igual\b|\bcomo máximo\b|\ba lo sumo\b", ("le",)),
    (r"\binf[ée]rieure?s?\b|\bplus petite?s?\b|\bkleiner\b|\bweniger als\b|\bmenor(?:es)?\b|\bmenos de\b", ("lt",)),
    (r"\bsup[ée]rieure?s?\b|\bplus grande?s?\b|\bplus de\b|\bgrößer\b|\bmehr als\b|\bmayor(?:es)?\b|\bmás de\b|\bmás que\b", ("gt",)),
    (r"\bsup[ée]rieure?s? ou [ée]ga\w*|\bplus grande? ou [ée]ga\w*|\bau moins\b|\bgrößer (?:als )?oder gleich\b|\bmindestens\b"
     r"|\bmayor o igual\b|\bal menos\b|\bpor lo menos\b", ("ge",)),
    (r"\bdans\b|\bparmi\b|\bcontient\b|\bappartient\b|\benthält\b|\bunter den\b|\ben\b|\bentre\b|\bcontiene\b|\bestá en\b", ("in",)),
    (r"\bet\b|\bund\b|(?<=\w\w )y(?= \w\w)|\bsowie\b|\btous les deux\b|\bbeide\b|\bamb[oa]s\b", ("and",)),
    (r"\bou\b|\boder\b|(?<=\w\w )o(?= \w\w)|\bsoit\b|\bentweder\b", ("or",)),
    (r"\bne\b|\bn'|\bpas\b|\bnon\b|\bnicht\b|\bkein\w*|\bno\b|\bjamais\b|\bnunca\b", ("not",)),
    (r"\bminuscules?\b|\bkleinbuchstaben\b|\bklein ?geschrieben\b|\bkleinschreib\w*|\bminúsculas?\b", ("call:lower",)),
    (r"\bmajuscules?\b|\bgroßbuchstaben\b|\bmayúsculas?\b", ("call:upper",)),
    (r"\btri(?:e[rsz]?|ée?s?|é|ant)\b|\bordonn\w*|\bsortier\w*|\bordena\w*", ("call:sorted", "call:sort")),
    (r"\bjoin\w*|\bjoindre\b|\bjointe?s?\b|\bconcat[ée]n\w*|\bverbind\w*|\bzusammenfüg\w*|\bunid[oa]s?\b|\bunir\b|\bjunt[ao]s?\b"
     r"|\bconcaten\w*", ("call:join",)),
    (r"\b[ée]tend\w*|\bprolong\w*|\berweiter\w*|\bextiend\w*|\ble reste\b|\bden rest\b|\bel resto\b|\brestant\w*|\brestlich\w*"
     r"|\brestantes?\b", ("call:extend",)),
    (r"\bvaleurs\b|\bwerte[n]?\b|\bvalores\b", ("call:values",)), (r"\bcl[ée]s\b|\bclefs\b|\bclaves\b", ("call:keys",)),
    (r"\bpaires? cl[ée]-valeur\b|\bschlüssel-wert-paare?\b|\bpares? clave-valor\b", ("call:items",)),
    (r"\blongueur\b|\btaille\b|\bnombre d'(?:éléments|mots|entrées)\b|\blänge\b|\banzahl\b|\blongitud\b|\btamaño\b|\bcantidad de\b"
     r"|\b(?:a|hat|tiene) (?:au moins|au plus|plus de|moins de|mindestens|höchstens|mehr als|weniger als|al menos|como máximo"
     r"|más de|menos de) (?:\d+|deux|zwei|dos|trois|drei|tres)\b", ("call:len",)),
    (r"\bensemble vide\b|\bnouvel ensemble\b|\bleere[nsm]? menge\b|\bneue[nsm]? menge\b|\bleeres set\b|\bconjunto vacío\b"
     r"|\bnuevo conjunto\b", ("call:set",)),
    (r"\bmaximale?n?\b|\bmáximo\b", ("call:max",)), (r"\bminimale?n?\b|\bmínimo\b", ("call:min",)),
    (r"\bvaleur absolue\b|\bbetrag\b|\bvalor absoluto\b", ("call:abs",)),
    (r"\barrondi\w*|\brunde\w*|\bredonde\w*", ("call:round",)),
    (r"\bz[ée]ro\b|\bnull\b|\bcero\b", ("num:0",)), (r"\beins\b", ("num:1",)), (r"\bdeux\b|\bzwei\b|\bdos\b", ("num:2",)),
    (r"\btrois\b|\bdrei\b|\btres\b", ("num:3",)), (r"\bdix\b|\bzehn\b|\bdiez\b", ("num:10",)), (r"\bcent\b|\bhundert\b|\bcien\b", ("num:100",)),
    (r"\bvrai\b|\bwahr\b|\bverdadero\b", ("num:true",)), (r"\bfaux\b|\bfalsch\b|\bfalso\b", ("num:false",)),    # Italian and Portuguese
    (r"\bper (?:ogni|ciascun[oa]?|tutt[ie])\b|\bscorr\w*|\bpercorr\w*|\bpara (?:cada|todos?|todas?)\b", ("for",)),
    (r"\bfinch[ée]\b|\bmentre\b|\benquanto\b|\baté que\b", ("while",)),
    (r"\bse\b|\bquando\b|\bqualora\b|\bcaso\b", ("if",)),
    (r"\brestitui\w*|\britorn\w*|\bdevolv\w*|\bdevolva\b|\bretorn\w*|\bdevolve\b", ("return",)),
    (r"\bcrea\b|\bcrie\b|\bcria\b|\binizializz\w*|\binicializ\w*|\bimposta\w*|\bdefin[ai]\b|\bassegn\w*|\batribu\w*|\bsalva\b"
     r"|\bguard[ae]\b|\bmetti\b|\bcoloque\b|\bdiventa\b|\btorna-se\b|\bpassa a ser\b|\bconverti\b|\bconverta\b"
     r"|\bchiamat[oa]\b|\bchamad[oa]\b|\binizi\w* (?:con|da)\b|\bparti\w* da\b|\bcome[cç]\w* (?:com|por)\b"
     r"|\bparta de\b|\blista (?:vuota|vazia)\b|\bdizionario vuoto\b|\bdicion[áa]rio vazio\b|\b(?:il|lo|la|o|a) \w+ (?:è|é|diventa|será|sarà)\b", ("assign",)),
    (r"\bresto della divisione\b|\bresto da divisão\b|\bil resto\b|\bo resto\b", ("mod",)),
    (r"\baggiung\w*|\bsomm[ai]\b|\bincrement\w*|\baument\w*|\badicion\w*|\bsome\b|\bsoma\b|\bacrescent\w*|\baccod\w*|\bpiù\b|\bmais\b",
     ("add", "call:append", "call:add")),
    (r"\bsottra\w*|\btogli\w*|\bdiminu\w*|\bdecrement\w*|\bsubtra\w*|\bmeno\b|\bmenos\b", ("sub",)),
    (r"\bmoltiplic\w*|\bvolte\b|\bmultipliqu\w*|\bvezes\b", ("mul",)),
    (r"\bdivid\w*|\bdivis[oa]\b|\bdivida\b", ("div",)),
    (r"\bdivers[oa]\b|\bdiferente\b|\bnon è uguale\b|\bnão é igual\b", ("ne",)),
    (r"\bugual[ei]\b|\bè\b|\bigual\b|\bé\b|\bfor\b", ("eq",)),
    (r"\bal massimo\b|\bal più\b|\bno máximo\b|\bminore o uguale\b|\bmenor ou igual\b", ("le",)),
    (r"\bminor[ei]\b|\bpiù piccol[oa]\b|\bmeno di\b|\bmenor(?:es)?\b|\bmenos de\b|\bmenos que\b|\bsotto\b|\babaixo de\b", ("lt",)),
    (r"\bmaggior[ei]\b|\bpiù grande\b|\bpiù di\b|\bmaior(?:es)?\b|\bmais de\b|\bmais que\b|\bsopra\b|\bacima de\b|\bsuper\w*", ("gt",)),
    (r"\balmeno\b|\bpelo menos\b|\bno mínimo\b|\bmaggiore o uguale\b|\bmaior ou igual\b", ("ge",)),
    (r"\bnell[ao]?\b|\bnei\b|\bnegli\b|\btra\b|\bfra\b|\bcontien\w*|\bna\b|\bno\b|\bnos\b|\bnas\b|\bem\b|\bcontém\b", ("in",)),
    (r"(?<=\w\w )e(?= \w\w)|\bentrambi\b|\bambos\b", ("and",)), (r"\boppure\b|(?<=\w\w )o(?= \w\w)|\bou\b", ("or",)),
    (r"\bnon\b|\bnão\b|\bmai\b|\bnunca\b|\bnessun\w*|\bnenhum\w*", ("not",)),
    (r"\bminuscol\w*|\bminúscul\w*", ("call:lower",)), (r"\bmaiuscol\w*|\bmaiúscul\w*", ("call:upper",)),
    (r"\bordin\w*|\bordene\b|\bordena\w*", ("call:sorted", "call:sort")),
    (r"\bunisc\w*|\bunit[ei]\b|\bconcaten\w*|\bjunt[ae]\b|\buna\b", ("call:join",)),
    (r"\blunghezza\b|\bnumero di\b|\bcomprimento\b|\btamanho\b|\bnúmero de\b|\bquantità di\b|\bquantidade de\b", ("call:len",)),
    (r"\bvalori\b|\bvalores\b", ("call:values",)), (r"\bchiavi\b|\bchaves\b", ("call:keys",)),
    (r"\bmassim[oa]\b|\bmáxim[oa]\b", ("call:max",)), (r"\bminim[oa]\b|\bmínim[oa]\b", ("call:min",)),
    (r"\bvalore assoluto\b|\bvalor absoluto\b", ("call:abs",)), (r"\barrotond\w*|\barredond\w*", ("call:round",)),
    (r"\bnumerat[ie]\b|\bnumerad[oa]s\b|\bcon (?:la sua |il suo )?(?:posizione|indice)\b|\bcom (?:sua |seu )?(?:posição|índice)\b",
     ("call:enumerate",)),
    (r"\buno\b|\bum\b|\buma\b", ("num:1",)), (r"\bdue\b|\bdois\b|\bduas\b", ("num:2",)), (r"\btre\b|\btrês\b", ("num:3",)),
    (r"\bdieci\b|\bdez\b", ("num:10",)), (r"\bcento\b|\bcem\b", ("num:100",)),
    (r"\bvero\b|\bverdadeiro\b", ("num:true",)), (r"\bfalso\b", ("num:false",)),
]
STEP_WORDS_RE = [(re.compile(pattern), names) for pattern, names in STEP_WORDS]
FOREIGN = re.compile(r"[à-öø-ÿß]|\b(?:le|la|les|des|du|une?|et|pour|avec|dans|der|die|das|und|ein|eine[nmr]?|für|mit|von|el|los|las"
                     r"|y|de|para|con|si|wenn|falls|il|gli|ogni|della|nella|nel|per|um|uma|una|al|alla|ai|lo|cada|dos|das|na|em|com|se|ao|à"
                     r"|aggiung\w*|restitui\w*|ritorna|devolv\w*|retorn\w*|adicion\w*|crie|crea|inizializz\w*|inicializ\w*|di|diventa"
                     r"|aumenta|diminui\w*|altrimenti|finch[ée]|senão|enquanto|torna-se|menor|maior|igual|uguale|minore|maggiore)\b")
# the recursive call told in words ("call the function again with -n", "call yourself with coins[1:]", "add the results of
# the two smaller problems"): read as the call of a function of the reference that calls itself (`Walkthrough.recursive`)
RECURSE = "~recurse"
RECURSION = re.compile(r"\bcall(?:s|ed|ing)?\s+(?:it|yourself|itself|the function|this function|your function|the same function)\b"
                       r"|\brecurs(?:e|es|ed|ing|ion|ive|ively)\b|\b(?:the|a|another|one more|second) (?:recursive )?call\b"
                       r"|\bsmaller (?:problems?|cases?|inputs?)\b|\bsub-?problems?\b")
# a sign told in words: "if n is negative" is `n < 0`
SIGN = [(re.compile(r"\b(?:is|are|was|be|gets?|becomes?) negative\b|\bbelow zero\b|\bless than (?:zero|0)\b"), ("lt", "num:0")),
        (re.compile(r"\b(?:is|are|was|be|gets?|becomes?) positive\b|\babove zero\b|\bgreater than (?:zero|0)\b"), ("gt", "num:0"))]
JS_FORMS = [(re.compile(p), t) for p, t in [(r"\.has\(|\.includes\(", "in"), (r"===", "eq"), (r"!==", "ne"), (r"&&", "and")]]
QUOTED = re.compile(r"\"([^\"\n]{0,20})\"|'([^'\n]{0,20})'")
UNIT_SPLIT = re.compile(r"\n+|(?<=[.!?])(?<!^\d\.)(?<!\n\d\.)(?<!\n\d\d\.)\s+(?=[A-Z(`\"'])|;\s*|[。！？；]\s*|,\s*(?:then|and then|next|after that)\b", re.I)


def statement_tokens(stmt: ast.stmt) -> frozenset:
    """What a statement does, as tokens that survive rewording (variable names left out)."""
    shallow = copy.deepcopy(stmt)
    for name in NESTED:
        if hasattr(shallow, name):
            setattr(shallow, name, [])
    tokens = set()
    for node in ast.walk(shallow):
        if type(node) in STATEMENT_TOKENS:
            tokens.add(STATEMENT_TOKENS[type(node)])
        if isinstance(node, ast.comprehension) and node.ifs:
            tokens.add("if")
        if isinstance(node, ast.AugAssign):
            tokens.add(OPERATOR_TOKENS.get(type(node.op), "assign"))
        elif type(node) in OPERATOR_TOKENS:
            tokens.add(OPERATOR_TOKENS[type(node)])
        elif isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if callee:
                tokens.add(f"call:{callee.lower()}")
        elif isinstance(node, ast.Constant) and node.value is not None and not isinstance(node.value, str):
            tokens.add(f"num:{node.value!r}".lower())
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) <= 20:
            tokens.add(f"str:{node.value.lower()}")
    return frozenset(tokens)


def _spoken(unit: str) -> set[str]:
    """Every token whose pattern occurs in `unit` (overlapping ones too: each match is retried one character on)."""
    found, position = set(), 0
    while (match := SPOKEN_RE.search(unit, position)) is not None:
        found.add(match.lastgroup)
        position = match.start() + 1
    return found


@lru_cache(maxsize=16384)
def unit_tokens(unit: str) -> frozenset:
    """The same tokens, read from one line or sentence of an answer (code or prose)."""
    tokens = _spoken(unit)
    lowered = unit.lower()
    for name in re.findall(r"([a-z_]\w*)\s*\(|\.([a-z_]\w*)", lowered):
        tokens.update(f"call:{n}" for n in name if n)
    for pattern, names in NAMED_CALLS_RE:
        if pattern.search(lowered):
            tokens.update(f"call:{n}" for n in names)
    tokens.update(token for pattern, token in JS_FORMS if pattern.search(unit))
    if RECURSION.search(lowered):
        tokens.add(RECURSE)
    tokens.update(name for pattern, names in SIGN if pattern.search(lowered) for name in names)
    tokens.update(phrase_tokens(lowered))
    if FOREIGN.search(lowered):
        tokens.update(name for pattern, names in STEP_WORDS_RE if pattern.search(lowered) for name in names)
    tokens.update(tongue_tokens(lowered))
    tokens.update(marks_named(lowered))
    tokens.update(f"call:{word}" for word in re.findall(r"\b[a-z_]\w*\b", lowered) if word in BUILTINS)
    for number in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)", unit):
        if len(number) > 40:  # no step's constant is this long (and `int` refuses over 4300 digits)
            continue
        tokens.add(f"num:{float(number)!r}" if "." in number else f"num:{int(number)}")
        if number.startswith("-"):
            tokens.add(f"num:{number[1:]}")
    for word, value in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            tokens.add(f"num:{value}")
    if re.search(r"\btrue\b", lowered):
        tokens.add("num:true")
    if re.search(r"\bfalse\b", lowered):
        tokens.add("num:false")
    tokens.update(f"str:{word}" for word in re.findall(r"\b[a-z]{3,20}\b", lowered))  # a constant named bare: `tuesday`
    if re.search(r"\b(?:dash|hyphen)(?:es)?\b", lowered):
        tokens.add("str:-")
    for double, single in QUOTED.findall(unit):
        if double or single:
            tokens.add(f"str:{(double or single).lower()}")
    return frozenset(tokens)


def _parts(answer: str) -> list[str]:
    """The answer cut at line, sentence and clause ends, never inside a quoted string or a bare run of marks (`.,!?;:`)."""
    quoted = [m.span() for m in QUOTED.finditer(answer)] + [m.span() for m in BARE_MARKS.finditer(answer)]
    parts, start = [], 0
    for cut in UNIT_SPLIT.finditer(answer):
        if any(a < cut.start() < b for a, b in quoted):
            continue
        parts.append(answer[start:cut.start()])
        start = cut.end()
    parts.append(answer[start:])
    return parts


WORDS = re.compile(r"\b[^\W\d_]+\b")
LIST_MARK = re.compile(r"^\s*(?:\d+[.):]|[-*•]|\(?[a-z][.)])\s+")


def units(answer: str) -> list[frozenset]:
    """The tokens of each unit; a terse phrase (a few words, no step verb, no question) carries TERSE too, and an item
    of a list ITEM."""
    found = []
    for part in _parts(answer):
        if part.strip() and (tokens := unit_tokens(part)):
            terse = len(WORDS.findall(LIST_MARK.sub("", part))) <= TERSE_WORDS and tokens.isdisjoint(VERBS) and not part.rstrip().endswith("?")
            marks = {TERSE} if terse else set()
            found.append(tokens | marks | {ITEM} if LIST_MARK.match(part) else tokens | marks)
    return found


@dataclass(frozen=True)
class Step:
    tokens: frozenset
    weight: float
    key: str = ""

    @property
    def content(self) -> frozenset:
        """What a terse phrase must say of this step: its tokens but the ones a step list's shape implies."""
        return self.tokens - STRUCTURE


def _calls_itself(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function.name for n in ast.walk(function))


class Walkthrough:
    """The reference as ordered steps, and how much of it an answer tells in order."""

    def __init__(self, solution: str, weights: dict[str, float]):
        tree = ast.parse(solution)
        ordered = sorted(statements(tree), key=lambda s: (s.lineno, s.col_offset))
        self.steps = []
        for stmt in ordered:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
                continue
            key = ast.dump(_shallow(stmt), annotate_fields=False)
            tokens = statement_tokens(stmt)
            if tokens:
                self.steps.append(Step(tokens, weights.get(key, 1.0), key))
        if len(self.steps) < MIN_STEPS:  # a formula: only its specific steps can be told, and only in full
            self.steps = [s for s in self.steps if len(s.tokens) >= RICH]
            self.short = True
        else:
            self.short = False
        self.total = sum(s.weight for s in self.steps) or 1.0
        self.recursive = frozenset(f"call:{node.name.lower()}" for node in ast.walk(tree)
                                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls_itself(node))

    def _tells(self, step: Step, unit: frozenset) -> bool:
        if RECURSE in unit and self.recursive:
            unit = unit | self.recursive  # "call yourself with coins[1:]": the recursive call, by name
        needed = len(step.tokens) if self.short or len(step.tokens) <= 3 else MATCH * len(step.tokens)
        if len(step.tokens & unit) >= needed:
            return True
        if ITEM in unit and not self.short and len(content := step.tokens - ITEM_STRUCTURE) >= ITEM_CONTENT and (
                len(content & unit) >= (len(content) if len(content) <= 3 else MATCH * len(content))):
            return True  # a step of a list: its keyword goes without saying when it names what the statement does
        if TERSE not in unit or not (content := step.content) or self.short and len(content) < RICH - 1:
            return False  # a formula is told tersely only with all of its operators and constants
        return len(content & unit) >= (len(content) if self.short or len(content) <= 3 else MATCH * len(content))

    def told_in(self, text: str) -> frozenset:
        """The keys of the steps some unit of `text` tells (in any order)."""
        told = units(text)
        return frozenset(step.key for step in self.steps if any(self._tells(step, unit) for unit in told))

    def coverage(self, answer: str, known: frozenset = frozenset()) -> float:
        """The weighted share of the steps told in order (a monotone alignment, several steps per unit allowed);
        steps the student's code holds already (`known`) tell nothing new."""
        told = units(answer)
        if not told or not self.steps:
            return 0.0
        best = [0.0] * (len(told) + 1)  # best[j]: best score with the steps so far, using units < j
        for step in self.steps:
            row = [0.0] * (len(told) + 1)
            for j, unit in enumerate(told, start=1):
                gain = step.weight if step.key not in known and self._tells(step, unit) else 0.0
                row[j] = max(row[j - 1], best[j], best[j] + gain)
            best = row
        return best[-1] / self.total
