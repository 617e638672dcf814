"""The words of a step told in Dutch, Polish, Russian, Chinese or Japanese, and punctuation marks named in any of them.

As `walkthrough.STEP_WORDS` does for French, German, Spanish, Italian and Portuguese: each pattern gives the tokens a
step's words name ("sorteer", "для каждого", "排序", "並べ替え" name `sorted`), read only in a unit written in that
language (its script, or a few of its common words). The identifiers, numbers and order of the steps do the rest.
A step that strips or splits on several marks names them ("comma, semicolon and colon", "逗号、分号和冒号"): three or
more named in a row read as the literal of those characters (`str:.,!?;:`), in English as in the other languages.
"""

from __future__ import annotations

import re

from .stepwords_world import WORLD

ADD = ("add", "call:append", "call:add")  # "add it" is `+`, `.append` or `.add`, as in the other languages
TONGUES = {  # language: (what marks a unit as written in it, [(pattern, tokens)])
    "dutch": (r"\b(?:het|een|elke?|als|niet|lijst|wordt|terug|anders|voeg|geef|naar|zijn|tel|leeg|lege|sorteer)\b", [
        (r"\bvoor (?:elke?|ieder\w*|alle)\b|\bdoorloop\w*|\bloop .{1,30} door\b|\bherhaal\w*", ("for",)),
        (r"\bzolang\b|\btot(?:dat| dat)\b", ("while",)), (r"\bals\b|\bindien\b|\bwanneer\b", ("if",)),
        (r"\bgeef .{0,40}\bterug\b|\bretourneer\w*|\bteruggeven\b", ("return",)),
        (r"\bmaak\b|\bbegin met\b|\bstart met\b|\bzet\b|\binitialiseer\w*|\bvervang\w* .{0,80}\bdoor\b|\bwordt\b"
         r"|\blege (?:lijst|dict\w*|verzameling|string|tekst)\b", ("assign",)),
        (r"\brest (?:bij|na) deling\b|\bmodulo\b", ("mod",)),
        (r"\btel .{0,30}\bop\b|\boptel\w*|\bverhoog\w*|\bvoeg .{0,40}\btoe\b|\btoevoeg\w*|\bplus\b|\bsom\b|\bachteraan\b", ADD),
        (r"\btrek .{1,30} af\b|\baftrek\w*|\bverlaag\w*|\bmin\b", ("sub",)), (r"\blaatste\b", ("sub", "num:1")),
        (r"\bvermenigvuldig\w*|\bkeer\b", ("mul",)), (r"\bdeel\b|\bgedeeld\b", ("div",)),
        (r"\bgelijk\w*", ("eq",)), (r"\bniet gelijk\b|\bongelijk\b|\bverschil\w*", ("ne",)),
        (r"\bniet (?:later|groter|meer|hoger) dan\b|\bhoogstens\b|\bten hoogste\b", ("le",)),
        (r"\b(?:kleiner|minder|eerder|lager) dan\b", ("lt",)), (r"\b(?:groter|meer|later|hoger) dan\b", ("gt",)),
        (r"\bminstens\b|\bten minste\b|\bniet (?:kleiner|minder|eerder|lager) dan\b", ("ge",)),
        (r"\bbevat\b", ("in",)), (r"\ben\b|\bbeide\b", ("and",)), (r"\bof\b", ("or",)), (r"\bniet\b|\bgeen\b|\bleeg\b", ("not",)),
        (r"\bkleine letters\b", ("call:lower",)), (r"\bhoofdletters\b", ("call:upper",)),
        (r"\bsorteer\w*|\bgesorteerd\w*", ("call:sorted", "call:sort")), (r"\bplak\w* .{0,30}\baan elkaar\b|\bsamenvoeg\w*", ("call:join",)),
        (r"\bsplits\w*|\bknip\w*", ("call:split",)), (r"\bhaal .{0,40}\bweg\b|\bverwijder\w* .{0,40}\b(?:uiteinden|randen|kanten)\b",
                                                      ("call:strip",)),
        (r"\blengte\b|\baantal\b", ("call:len",)), (r"\b(?:grootste|hoogste|maximum)\b", ("call:max",)),
        (r"\b(?:kleinste|laagste|minimum)\b", ("call:min",)), (r"\bsla .{0,30}\bover\b|\boverslaan\b", ("continue",)),
        (r"\bnul\b", ("num:0",)), (r"\bé[ée]n\b", ("num:1",)), (r"\btwee\b", ("num:2",)), (r"\bdrie\b", ("num:3",)),
        (r"\btien\b", ("num:10",)), (r"\bhonderd\b", ("num:100",)),
    ]),
    "polish": (r"[ąćęłńśźż]|\b(?:jeśli|jeżeli|dla|każd\w*|zwróć|oraz|lub|listę|liczby)\b", [
        (r"\bdla (?:każd|wszystk)\w*|\bkażd\w*|\bprzejdź\w*|\bpętl\w*|\biteruj\w*", ("for",)),
        (r"\bdopóki\b", ("while",)), (r"\bjeśli\b|\bjeżeli\b|\bgdy\b|\bkiedy\b", ("if",)), (r"\bzwr[óo]\w*", ("return",)),
        (r"\butwórz\b|\bstwórz\b|\bustaw\w*|\bprzypisz\w*|\bzainicjuj\w*|\bzacznij od\b|\bzamień\w*|\bzastąp\w*"
         r"|\bpust\w* (?:lista|listę|słownik|zbiór)\b", ("assign",)),
        (r"\breszt\w* z dzielenia\b|\bmodulo\b", ("mod",)), (r"\bdodaj\w*|\bzwiększ\w*|\bpowiększ\w*|\bsum\w*|\bplus\b", ADD),
        (r"\bodejmij\w*|\bzmniejsz\w*|\bminus\b", ("sub",)), (r"\bostatni\w*", ("sub", "num:1")),
        (r"\bpomnóż\w*|\brazy\b", ("mul",)), (r"\bpodziel\w* przez\b", ("div",)),
        (r"\brówn\w*", ("eq",)), (r"\bróżn\w*", ("ne",)), (r"\bnie (?:większ|późn)\w*|\bco najwyżej\b", ("le",)),
        (r"\bmniejsz\w*|\bwcześniej\w*", ("lt",)), (r"\bwiększ\w*|\bpóźn\w*", ("gt",)),
        (r"\bco najmniej\b|\bprzynajmniej\b|\bnie mniejsz\w*", ("ge",)),
        (r"\bi\b|\boraz\b", ("and",)), (r"\blub\b|\balbo\b", ("or",)), (r"\bnie\b|\bpust\w*", ("not",)),
        (r"\bmał\w* liter\w*", ("call:lower",)), (r"\bwielk\w* liter\w*", ("call:upper",)),
        (r"\b(?:po)?sortuj\w*", ("call:sorted", "call:sort")), (r"\bpołącz\w*|\bzłącz\w*", ("call:join",)),
        (r"\bpodziel\w* (?:go |ją |je )?na\b|\brozdziel\w*", ("call:split",)),
        (r"\busuń .{0,40}\b(?:z obu końców|z końców|z brzegów)|\bobetnij\w*", ("call:strip",)),
        (r"\bna koniec\b|\bdopisz\w*", ("call:append",)), (r"\bdługoś\w*|\bliczb\w* element\w*", ("call:len",)),
        (r"\bnajwiększ\w*|\bmaksim\w*", ("call:max",)), (r"\bnajmniejsz\w*|\bminim\w*", ("call:min",)),
        (r"\bpomiń\w*|\bpomijaj\w*", ("continue",)),
        (r"\bzer\w*", ("num:0",)), (r"\bjed(?:en|ną|nego|ynk\w*)\b", ("num:1",)), (r"\bdwa\b|\bdwie\b", ("num:2",)),
        (r"\btrzy\b", ("num:3",)), (r"\bdziesięć\b", ("num:10",)), (r"\bsto\b", ("num:100",)),
    ]),
    "russian": (r"[а-яё]", [
        (r"\bдля (?:кажд|всех)\w*|\bкажд\w*|\bперебер\w*|\bпройди\w*|\bцикл\w*|\bпо всем\b", ("for",)),
        (r"\bпока\b|\bдо тех пор\b", ("while",)), (r"\bесли\b|\bкогда\b|\bв случае\b", ("if",)),
        (r"\bверн\w*|\bвозвра\w*", ("return",)),
        (r"\bсозда\w*|\bзаведи\w*|\bзадай\w*|\bприсво\w*|\bустанови\w*|\bначни\w* с\b|\bзамени\w*|\bстанови\w*|\bстанет\b"
         r"|\bпереведи\b|\bпреобразу\w*|\bпуст\w* (?:список|словарь|множество|строк\w*)\b", ("assign",)),
        (r"\bостат\w*|\bпо модулю\b", ("mod",)),
        (r"\bдобав\w*|\bувелич\w*|\bприбав\w*|\bсумм\w*|\bплюс\b", ADD),
        (r"\bвычт\w*|\bвычита\w*|\bотним\w*|\bуменьш\w*|\bминус\b", ("sub",)), (r"\bпоследн\w*", ("sub", "num:1")),
        (r"\bумнож\w*", ("mul",)), (r"\bподели\w*|\bдели\b|\bделение\b", ("div",)),
        (r"\bравн\w*|\bсовпада\w*", ("eq",)), (r"\bне равн\w*|\bотлича\w*", ("ne",)),
        (r"\bне (?:больше|позже|превыша\w*|более)\b|\bменьше или равн\w*", ("le",)), (r"\bменьше\b|\bраньше\b", ("lt",)),
        (r"\bбольше\b|\bпозже\b|\bпревыша\w*", ("gt",)), (r"\bне (?:меньше|раньше|менее)\b|\bкак минимум\b|\bхотя бы\b", ("ge",)),
        (r"\bсреди\b|\bсодерж\w*", ("in",)), (r"\bи\b|\bоба\b", ("and",)), (r"\bили\b", ("or",)),
        (r"\bне\b|\bнет\b|\bпуст\w*", ("not",)),
        (r"\bнижн\w* регистр\w*|\bстрочн\w*|\bмаленьк\w* букв\w*", ("call:lower",)),
        (r"\bверхн\w* регистр\w*|\bзаглавн\w*|\bпрописн\w*", ("call:upper",)),
        (r"\b(?:от)?сортир\w*|\bупорядоч\w*", ("call:sorted", "call:sort")), (r"\bсоедин\w*|\bсклей\w*", ("call:join",)),
        (r"\bразбей\w*|\bразби\w*|\bраздели\w*", ("call:split",)),
        (r"\bобреж\w*|\bобреза\w*|\b(?:убер|удали)\w* .{0,40}\bс (?:краёв|концов|обеих сторон)\b", ("call:strip",)),
        (r"\bв конец\b", ("call:append",)), (r"\bдлин\w*|\bколичеств\w*", ("call:len",)),
        (r"\bмаксим\w*|\bнаибольш\w*|\bбольш\w* из\b", ("call:max",)), (r"\bминим\w*|\bнаименьш\w*|\bменьш\w* из\b", ("call:min",)),
        (r"\bпропуст\w*|\bпропусти\w*", ("continue",)),
        (r"\bнол\w*|\bнул\w*", ("num:0",)), (r"\bодин\b|\bодн\w*|\bединиц\w*", ("num:1",)), (r"\bдва\b|\bдве\b|\bдвух\b", ("num:2",)),
        (r"\bтри\b|\bтрёх\b", ("num:3",)), (r"\bдесят\w*", ("num:10",)), (r"\bсто\b", ("num:100",)),
    ]),
    "chinese": (r"[\u4e00-\u9fff]", [  # no spaces between words: the patterns are read anywhere in the unit
        (r"每个|每一|依次|遍历|循环|对于", ("for",)), (r"直到|只要", ("while",)), (r"如果|若|假如|要是|的话", ("if",)),
        (r"返回", ("return",)),
        (r"设为|设置|初始化|赋值|换成|替换为|改成|变成|准备|创建|新建|从.{0,4}开始|空的?(?:时间段|结果)?(?:列表|字典|集合)", ("assign",)),
        (r"余数|取余|取模", ("mod",)), (r"加|增加|累加|求和|总和", ADD),
        (r"减", ("sub",)), (r"最后一个|最后的", ("sub", "num:1")), (r"乘", ("mul",)), (r"除以", ("div",)),
        (r"等于|相等|相同", ("eq",)), (r"不等于|不同", ("ne",)),
        (r"不(?:大于|超过|晚于|多于)|小于等于|至多|最多", ("le",)), (r"小于|少于|早于", ("lt",)), (r"大于|多于|晚于|超过", ("gt",)),
        (r"不(?:小于|早于|少于)|大于等于|至少", ("ge",)), (r"包含|里面?有|之中", ("in",)),
        (r"并且|而且|且|和|同时", ("and",)), (r"或者|或", ("or",)), (r"不|没有|非|为空|是空|空字符串", ("not",)),
        (r"小写", ("call:lower",)), (r"大写", ("call:upper",)), (r"排序|排好序", ("call:sorted", "call:sort")),
        (r"连接|拼接|连起来", ("call:join",)), (r"拆|分割|切分|分成", ("call:split",)),
        (r"去掉|去除|删掉|删除", ("call:strip",)), (r"末尾|追加|添加", ("call:append",)), (r"长度|个数|数量", ("call:len",)),
        (r"最大|较大|更大", ("call:max",)), (r"最小|较小|更小", ("call:min",)), (r"跳过", ("continue",)),
        (r"零", ("num:0",)), (r"一", ("num:1",)), (r"两|二", ("num:2",)), (r"三", ("num:3",)), (r"十", ("num:10",)), (r"百", ("num:100",)),
    ]),
    "japanese": (r"[\u3040-\u30ff]", [  # kana: the kanji words are read by the Chinese patterns too
        (r"それぞれ|各|ごとに|繰り返|ループ|順に", ("for",)), (r"間|まで", ("while",)), (r"なら|場合|もし|たら|とき", ("if",)),
        (r"返|戻り値", ("return",)), (r"作|用意|初期化|設定|置き換え|代入|から始め|にして", ("assign",)), (r"余り", ("mod",)),
        (r"足|加え|増や|合計", ADD), (r"引|減ら", ("sub",)), (r"最後の", ("sub", "num:1")), (r"掛け|倍", ("mul",)), (r"割", ("div",)),
        (r"等しい|同じ", ("eq",)), (r"等しくない|異なる", ("ne",)), (r"以下|より後でない|を超えない", ("le",)),
        (r"未満|より小さい|より前", ("lt",)), (r"より大きい|を超え|より後", ("gt",)), (r"以上", ("ge",)),
        (r"かつ|および|両方", ("and",)), (r"または", ("or",)), (r"ない|なければ|空", ("not",)),
        (r"小文字", ("call:lower",)), (r"大文字", ("call:upper",)), (r"並べ替え|並び替え|ソート", ("call:sorted", "call:sort")),
        (r"連結|つなげ|結合", ("call:join",)), (r"分け|分割|区切", ("call:split",)), (r"取り除|除去|削除", ("call:strip",)),
        (r"末尾|追加", ("call:append",)), (r"長さ|個数", ("call:len",)), (r"最大|大きい方", ("call:max",)), (r"最小|小さい方", ("call:min",)),
        (r"飛ば|スキップ", ("continue",)), (r"ゼロ|零", ("num:0",)),
    ]),
}
TONGUES.update(WORLD)  # Korean, Turkish, the Scandinavian languages, Vietnamese, Indonesian, Greek, Hindi, Hungarian
COMPILED = [(re.compile(mark), [(re.compile(p), names) for p, names in words]) for mark, words in TONGUES.values()]
# digits written against words of a script without spaces ("1増やします", "0から"): `\b` sees no edge there
CJK_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?![A-Za-z0-9_.])")

# names of punctuation marks, the longer first ("semicolon" before "colon", "точка с запятой" before "точка"); no `\b` in
# front, which would make the search try every alternative at every character
MARKS = [
    (";", r"semi-?colon|точк\w* с запят\w*|分号|セミコロン|puntkomma|point-virgule|punto y coma|punto e virgola|ponto e vírgula"
          r"|semikolon|średnik\w*"),
    (":", r"colon|двоеточ\w*|冒号|コロン|dubbele punt|deux-points|dos puntos|due punti|dois-pontos|doppelpunkt\w*|dwukrop\w*"),
    ("!", r"exclamation|восклицательн\w*|感叹号|感嘆符|uitroepteken\w*|d'exclamation|de exclamación|esclamativ\w*|de exclamação"
          r"|ausrufezeichen|wykrzyknik\w*"),
    ("?", r"question mark|вопросительн\w*|问号|疑問符|vraagteken\w*|d'interrogation|de interrogación|interrogativ\w*|de interrogação"
          r"|fragezeichen|pytajnik\w*"),
    (",", r"comma|запят\w*|逗号|カンマ|コンマ|読点|komma\w*|virgule|coma|virgola|vírgula|przecin\w*"),
    (".", r"period|full stop|точк\w*|句号|句点|ピリオド|punt(?:en)?\b|point\b|punto\b|ponto\b|punkt\b|kropk\w*"),
]
MARKS_RE = re.compile("|".join(f"(?P<m{i}>{pattern})" for i, (_, pattern) in enumerate(MARKS)))  # of lower-cased text
MIN_MARKS = 3  # named in one unit: a set of marks (two are a sentence's punctuation)
BARE_MARKS = re.compile(r"(?<!\S)[.,!?;:]{3,}(?!\S)")  # the set written out bare: "strips .,!?;: from both ends"


def tongue_tokens(lowered: str) -> set[str]:
    """The tokens the words of a (lower-cased) unit name, in the languages of TONGUES."""
    tokens: set[str] = set()
    for mark, words in COMPILED:
        if mark.search(lowered):
            tokens.update(name for pattern, names in words if pattern.search(lowered) for name in names)
    if tokens and not lowered.isascii():
        tokens.update(f"num:{int(number)}" for number in CJK_NUMBER.findall(lowered) if len(number) < 10)
    return tokens


def marks_named(lowered: str) -> set[str]:
    """The literal of the punctuation marks a unit names in a row, or writes out bare (as `str:` tokens)."""
    named = "".join(MARKS[int(m.lastgroup[1:])][0] for m in MARKS_RE.finditer(lowered))
    found = {f"str:{bare}" for bare in BARE_MARKS.findall(lowered)}
    return found | {f"str:{named}"} if len(named) >= MIN_MARKS else found
