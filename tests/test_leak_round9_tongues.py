"""Step lists in languages the filter did not read, and honest answers in them.

A reference told step by step in Korean, Swedish, Vietnamese, Indonesian, Turkish, Greek, Hindi or Hungarian (the red
team's texts, the recursive ones with the recursive call told in words) or in Turkish, Indonesian, Greek, Hindi,
Hungarian, Norwegian (more of the same kind, on other exercises) named every call and operator of the steps, but its
control words (for each, if, return, add, sort, call again) read as nothing, so no step lined up with the reference.
The honest answers are debugging steps, the steps of another task and recursion explained, in the same languages.
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.leak.stepwords import tongue_tokens

SWEDISH_GROUPS = ("Steg för steg:\n1. Skapa en tom ordbok `groups`.\n2. För varje elev och betyg i `grades.items()`: om betyget saknas i "
                  "`groups`, lägg in en tom lista; lägg sedan till eleven i listan för betyget.\n3. Sortera varje lista i `groups`.\n"
                  "4. Returnera `groups`.")
KOREAN_WRAP = ("단계별로:\n1. width 가 1보다 작으면 ValueError 를 발생시킨다.\n2. lines 는 빈 리스트, current 는 빈 문자열로 시작한다.\n"
               "3. text.split() 의 각 word 에 대해: current 가 비어 있으면 current = word.\n4. 아니고 len(current) + 1 + len(word) <= "
               "width 이면 current 에 \" \" + word 를 더한다.\n5. 그 외에는 current 를 lines 에 추가하고 current = word.\n6. 반복이 끝난 뒤 "
               "current 가 비어 있지 않으면 lines 에 추가한다.\n7. lines 를 돌려준다.")
VIETNAMESE_ANAGRAMS = ("Từng bước:\n1. Tạo từ điển rỗng groups.\n2. Với mỗi word trong words: word = word.lower(); key = \"\".join(sorted(word)).\n"
                       "3. Nếu key chưa có trong groups, gán groups[key] = set(); rồi groups[key].add(word).\n4. result là danh sách rỗng; với "
                       "mỗi group trong groups.values(), nếu len(group) >= 2 thì result.append(sorted(group)).\n5. result.sort() rồi trả về "
                       "result.")
TURKISH_MERGE = ("Adım adım:\n1. Toplantıları başlangıca göre sırala (yeni bir liste oluştur, girdiyi değiştirme).\n2. Boş bir `periods` "
                 "listesiyle başla.\n3. Her (start, end) için: eğer `periods` boş değilse ve start, son dönemin bitişinden büyük değilse, "
                 "son dönemi (onun başlangıcı, iki bitişin en büyüğü) ile değiştir.\n4. Değilse (start, end) ikilisini listenin sonuna "
                 "ekle.\n5. `periods` listesini döndür.")
INDONESIAN_WORDS = ("Langkah-langkah:\n1. Buat kamus kosong `counts`.\n2. Untuk setiap word dalam text.lower().split(): buang tanda "
                    "\".,!?;:\" dari kedua ujungnya dengan strip.\n3. Jika word tidak kosong, tambahkan 1 ke counts[word] (mulai dari "
                    "0 dengan counts.get(word, 0)).\n4. Kembalikan counts.")
GREEK_WORDS = ("Βήμα βήμα:\n1. Δημιούργησε ένα κενό λεξικό `counts`.\n2. Για κάθε word στο text.lower().split(): αφαίρεσε από τα άκρα "
               "τα \".,!?;:\" με strip.\n3. Αν το word δεν είναι κενό, πρόσθεσε 1 στο counts[word] (ξεκίνα από counts.get(word, 0)).\n"
               "4. Επίστρεψε το counts.")
HINDI_WORDS = ("चरण:\n1. एक खाली शब्दकोश `counts` बनाएँ।\n2. text.lower().split() के प्रत्येक word के लिए: strip से दोनों ओर के \".,!?;:\" "
               "हटाएँ।\n3. यदि word खाली नहीं है, तो counts[word] में 1 जोड़ें (counts.get(word, 0) से शुरू करें)।\n4. counts लौटाएँ।")
HUNGARIAN_MERGE = ("Lépésenként:\n1. Rendezd a meetings listát (sorted), így egy új lista keletkezik.\n2. Kezdd egy üres `periods` listával.\n"
                   "3. Minden (start, end) párra: ha a periods nem üres és start legfeljebb periods[-1][1], akkor cseréld periods[-1]-et "
                   "erre: (periods[-1][0], a két vég közül a legnagyobb).\n4. Különben add hozzá a (start, end) párt a periods végére.\n"
                   "5. Add vissza a periods listát.")
NORWEGIAN_GROUPS = ("Steg for steg:\n1. Lag en tom ordbok `groups`.\n2. For hver elev og karakter i `grades.items()`: hvis karakteren "
                    "mangler i `groups`, legg inn en tom liste; legg deretter eleven til i listen for karakteren.\n3. Sorter hver liste "
                    "i `groups`.\n4. Returner `groups`.")

# the recursive solutions, with the recursive call told in words ("재귀 호출", "kendini çağır", "gọi lại hàm")
KOREAN_CHANGE = '단계별로:\n1. 금액이 0이면 1을 돌려준다.\n2. 동전 목록이 비어 있으면 0을 돌려준다.\n3. 첫 동전을 뺀 나머지 목록(coins[1:])으로 재귀 호출한 결과를 ways 에 저장한다.\n4. 첫 동전(coins[0])이 금액 이하이면, 금액 - coins[0] 과 같은 동전 목록으로 재귀 호출한 결과를 ways 에 더한다.\n5. ways 를 돌려준다.'
TURKISH_CHANGE = "Adım adım:\n1. Tutar 0 ise 1 döndür.\n2. Bozuk para listesi boşsa 0 döndür.\n3. İlk parayı atarak (coins[1:]) kendini çağır, sonucu ways içinde tut.\n4. İlk para (coins[0]) tutardan küçük veya eşitse, amount - coins[0] ve aynı liste ile kendini çağır ve ways'e ekle.\n5. ways döndür."
GREEK_CHANGE = 'Βήμα βήμα:\n1. Αν το ποσό είναι 0, επίστρεψε 1.\n2. Αν η λίστα coins είναι άδεια, επίστρεψε 0.\n3. Κάλεσε αναδρομικά με coins[1:] και κράτα το αποτέλεσμα στο ways.\n4. Αν coins[0] <= amount, πρόσθεσε στο ways την κλήση με amount - coins[0] και την ίδια λίστα.\n5. Επίστρεψε ways.'
HINDI_CHANGE = 'चरण दर चरण:\n1. यदि amount 0 है, तो 1 लौटाएँ।\n2. यदि coins खाली है, तो 0 लौटाएँ।\n3. coins[1:] के साथ पुनरावर्ती कॉल करें और परिणाम ways में रखें।\n4. यदि coins[0] <= amount, तो amount - coins[0] और वही coins के साथ कॉल का परिणाम ways में जोड़ें।\n5. ways लौटाएँ।'
HUNGARIAN_CHANGE = 'Lépésenként:\n1. Ha az összeg 0, adj vissza 1-et.\n2. Ha a coins lista üres, adj vissza 0-t.\n3. Hívd meg rekurzívan coins[1:]-gyel, az eredmény legyen ways.\n4. Ha coins[0] <= amount, add hozzá ways-hez a hívást amount - coins[0]-val és ugyanazzal a listával.\n5. Add vissza ways-t.'
VIETNAMESE_DIGITS = 'Từng bước:\n1. Nếu n âm, gọi lại hàm với -n.\n2. Nếu n bằng 0, trả về 0.\n3. Còn lại, trả về n % 10 cộng với digit_sum(n // 10).'
INDONESIAN_DIGITS = 'Langkah-langkah:\n1. Jika n negatif, panggil lagi fungsinya dengan -n.\n2. Jika n sama dengan 0, kembalikan 0.\n3. Selain itu, kembalikan n % 10 ditambah digit_sum(n // 10).'

STEP_LISTS = {  # label: exercise, answer
    "swedish, students-by-grade": ("students-by-grade", SWEDISH_GROUPS),
    "korean, word-wrap": ("word-wrap", KOREAN_WRAP),
    "vietnamese, anagram-groups": ("anagram-groups", VIETNAMESE_ANAGRAMS),
    "turkish, merge-meetings": ("merge-meetings", TURKISH_MERGE),
    "indonesian, word-frequencies": ("word-frequencies", INDONESIAN_WORDS),
    "greek, word-frequencies": ("word-frequencies", GREEK_WORDS),
    "hindi, word-frequencies": ("word-frequencies", HINDI_WORDS),
    "hungarian, merge-meetings": ("merge-meetings", HUNGARIAN_MERGE),
    "norwegian, students-by-grade": ("students-by-grade", NORWEGIAN_GROUPS),
    "korean, count-change": ("count-change", KOREAN_CHANGE),
    "turkish, count-change": ("count-change", TURKISH_CHANGE),
    "greek, count-change": ("count-change", GREEK_CHANGE),
    "hindi, count-change": ("count-change", HINDI_CHANGE),
    "hungarian, count-change": ("count-change", HUNGARIAN_CHANGE),
    "vietnamese, digit-sum": ("digit-sum", VIETNAMESE_DIGITS),
    "indonesian, digit-sum": ("digit-sum", INDONESIAN_DIGITS),
}

HONEST = {  # label: exercise, answer
    "korean debugging steps": ("students-by-grade", "디버깅 단계:\n1. 루프 전과 후에 groups 를 출력해 보세요.\n2. 작은 예제로 함수를 실행하고 "
                                                    "결과를 예상과 비교하세요.\n3. 두 학생이 같은 성적을 받으면 어떻게 되는지 생각해 보세요."),
    "swedish debugging steps": ("students-by-grade", "Felsökning:\n1. Skriv ut `groups` före och efter loopen.\n2. Kör funktionen på ett "
                                                     "litet exempel och jämför med det förväntade resultatet.\n3. Fundera på vad som händer "
                                                     "när två elever har samma betyg."),
    "turkish debugging steps": ("merge-meetings", "Hata ayıklama adımları:\n1. Döngüden önce ve sonra `periods` değerini yazdır.\n2. "
                                                  "Fonksiyonu iki toplantılık küçük bir örnekle çalıştır ve sonucu beklenenle karşılaştır.\n"
                                                  "3. Bir toplantı tam diğeri bittiğinde başlarsa ne olmalı, düşün."),
    "vietnamese debugging steps": ("anagram-groups", "Các bước gỡ lỗi:\n1. In ra groups trước và sau vòng lặp.\n2. Chạy hàm với một ví dụ "
                                                     "nhỏ và so sánh với kết quả mong đợi.\n3. Nghĩ xem điều gì xảy ra với chữ hoa và chữ thường."),
    "indonesian debugging steps": ("word-frequencies", "Langkah debugging:\n1. Cetak isi counts sebelum dan sesudah perulangan.\n2. "
                                                       "Jalankan fungsi dengan contoh kecil dan bandingkan hasilnya dengan yang diharapkan.\n"
                                                       "3. Pikirkan apa yang terjadi pada tanda baca di akhir kata."),
    "greek debugging steps": ("word-frequencies", "Βήματα αποσφαλμάτωσης:\n1. Τύπωσε το counts πριν και μετά τον βρόχο.\n2. Τρέξε τη "
                                                  "συνάρτηση με ένα μικρό παράδειγμα και σύγκρινε με το αναμενόμενο.\n3. Σκέψου τι γίνεται "
                                                  "με τα σημεία στίξης στο τέλος των λέξεων."),
    "hindi debugging steps": ("word-frequencies", "डिबगिंग के चरण:\n1. लूप से पहले और बाद में counts को प्रिंट करें।\n2. एक छोटे उदाहरण पर "
                                                  "फ़ंक्शन चलाएँ और परिणाम की तुलना अपेक्षित से करें।\n3. सोचें कि शब्दों के अंत में विराम चिह्नों का "
                                                  "क्या होता है।"),
    "hungarian debugging steps": ("merge-meetings", "Hibakeresés lépései:\n1. Írasd ki a periods értékét a ciklus előtt és után.\n2. "
                                                    "Futtasd a függvényt egy kis példán, és hasonlítsd össze a várt eredménnyel.\n3. Gondold "
                                                    "végig, mi történik, ha egy megbeszélés pont akkor kezdődik, amikor a másik véget ér."),
    "swedish steps of another task": ("students-by-grade", "Så här summerar man jämna tal:\n1. Börja med en summa på noll.\n2. Gå igenom "
                                                           "varje tal i listan.\n3. Om talet är jämnt, lägg till det i summan.\n4. "
                                                           "Returnera summan."),
    "korean steps of another task": ("word-wrap", "짝수 합 구하기:\n1. 합계를 0으로 시작한다.\n2. 각 숫자에 대해 짝수이면 합계에 더한다.\n"
                                                  "3. 합계를 돌려준다."),
    "korean: a base case, in words": ("count-change", "재귀 함수에는 멈추는 조건이 필요해요. 금액이 0이 되면 무엇을 돌려줘야 할지 생각해 보세요."),
    "turkish: a base case, in words": ("count-change", "Özyinelemeli bir fonksiyonun durma koşulu olmalı. Tutar 0 olduğunda ne döndürmen gerektiğini düşün."),
    "vietnamese: recursion explained": ("digit-sum", "Đệ quy nghĩa là hàm gọi lại chính nó với một bài toán nhỏ hơn. Hãy tự hỏi: khi nào thì dừng?"),
}


@pytest.mark.parametrize("label", list(STEP_LISTS))
def test_a_step_list_in_one_more_language_is_a_walkthrough(bank, leak_detector, detector_of, label):
    exercise_id, answer = STEP_LISTS[label]
    exercise = bank.get(exercise_id)
    for detector, code in ((leak_detector(exercise), ""), (detector_of(exercise), exercise.starter)):
        check = detector.check(answer, code=code)
        assert check.leaking, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_lists_in_those_languages_stay_shown(bank, leak_detector, detector_of, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    for detector, code in ((leak_detector(exercise), ""), (detector_of(exercise), ""), (detector_of(exercise), exercise.starter)):
        check = detector.check(answer, code=code)
        assert not check.leaking, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("unit, tokens", [
    ("각 word 에 대해 정렬한다", {"for", "call:sorted"}), ("her kelime için sırala", {"for", "call:sorted"}),
    ("för varje elev, returnera listan", {"for", "return"}), ("nếu rỗng thì trả về 0", {"if", "return", "not"}),
    ("untuk setiap kata, jika kosong kembalikan", {"for", "if", "return", "not"}), ("για κάθε λέξη, επίστρεψε", {"for", "return"}),
    ("प्रत्येक शब्द के लिए लौटाएँ", {"for", "return"}), ("minden szóra: ha üres, add vissza", {"for", "if", "return", "not"}),
])
def test_the_step_words_of_each_language_are_read(unit, tokens):
    assert tokens <= tongue_tokens(unit.lower()), tongue_tokens(unit.lower())


def test_english_prose_is_not_read_as_any_of_them():
    for unit in ("for each student, add the grade to the list and return it", "if the list is empty, return zero",
                 "sort the meetings by start time, then merge the overlapping ones"):
        assert tongue_tokens(unit) == set(), (unit, tongue_tokens(unit))
