"""Header words that name phone and name columns, in the languages and exports people use.

Write entries as people spell them: they are folded like headers before matching (case,
accents and Arabic diacritics ignored, hamza forms of alef, ة and ى folded), so "Téléphone",
"telephone", "الإسم" and "الاسم" are one entry each way. Add a word here, not in the code.

Sources of the export layouts: Google Contacts CSV (old "Given Name"/"Phone 1 - Type"/
"Phone 1 - Value" and new "First Name"/"Phone 1 - Label"), Outlook CSV ("Mobile Phone",
"Business Phone", "Home Phone"…), HubSpot ("Phone Number", "Mobile Phone Number"),
Salesforce ("Phone", "Mobile", "MobilePhone", "FirstName"), vCard-to-CSV converters
("Mobile", "iPhone", "Cell"). The exports of tests/fixtures/exports (each file names its
source) added: Outlook in German/Dutch/French/Spanish/Italian/Portuguese ("Mobiltelefon",
"Telefon geschäftlich", "Mobiel", "Téléphone mobile", "Teléfono móvil", "Cellulare",
"Telemóvel"), Brevo ("SMS", "WHATSAPP", "LANDLINE_NUMBER", "FIRSTNAME"), WooCommerce
("billing_phone", "billing_first_name"), Pipedrive ("Person - Phone - Mobile"), Salesforce
Data Loader ("MOBILEPHONE"), custom fields ("Phone__c"), and the Excel templates people
make in Turkish ("Cep Telefonu"), Indonesian ("No HP", "Nomor Ponsel"), Russian
("Мобильный телефон") and Arabic ("رقم الجوال").
"""

from __future__ import annotations

# --- phone columns: one word in a header is enough, unless an EXCLUDE word is also there ---

#: A column that says WhatsApp is the best guess of the number to use.
WHATSAPP_WORDS = frozenset({
    "whatsapp", "whatsap", "watsapp", "wa", "zap", "zapzap", "wpp", "wsp",
    "واتساب", "واتس", "وتساب", "الواتساب", "الواتس", "واتسب",
})
#: "wa" and the like only count next to a phone or number word ("WA Number").
WEAK_WHATSAPP_WORDS = frozenset({"wa", "wpp", "wsp", "zap"})

#: Mobile numbers are the next best guess: most are on WhatsApp.
MOBILE_WORDS = frozenset({
    # English, Salesforce, Outlook, vCard
    "mobile", "mobilephone", "mobilenumber", "mobiles", "mob", "cell", "cellphone", "cellular",
    "cellnumber", "iphone", "smartphone", "gsm",
    # Spanish, Portuguese, French, German, Italian, Turkish
    "movil", "celular", "cel", "telemovel", "movel", "portable", "handy", "mobil",
    "mobilnummer", "cellulare", "mobiltelefon", "mobiltelefonnummer", "handynummer",
    "mobilfunk", "mobilfunknummer", "natel",
    # Dutch, Indonesian/Malay, Russian, Brevo's SMS attribute (the mobile it texts)
    "mobiel", "mobielnummer", "mobiele", "ponsel", "handphone", "telefonselular",
    "мобильныи", "мобильник", "мобильного", "сотовыи", "сотовыи телефон", "sms",
    # Arabic
    "جوال", "الجوال", "موبايل", "الموبايل", "محمول", "المحمول", "نقال", "النقال",
})

#: Any other phone column.
PHONE_WORDS = frozenset({
    "phone", "phones", "phonenumber", "telephone", "tel", "tele", "telno", "telefone",
    "telefono", "telefon", "telefonu", "telefonnummer", "rufnummer", "fone", "tlf", "tlfno",
    "tfno", "telf",
    "msisdn", "homephone", "workphone", "businessphone", "otherphone", "primaryphone",
    "mainphone", "companyphone", "phone1", "phone2",
    "هاتف", "الهاتف", "تليفون", "التليفون", "تلفون", "التلفون", "تلفن",
    # Dutch, Indonesian, Russian, Greek, Polish
    "telefoon", "telefoonnummer", "telepon", "telp", "телефон", "телефона", "тел", "τηλεφωνο",
    "telefonnumara", "numer telefonu", "telefony",
})

#: Mobile only next to a phone or number word: "Cep Telefonu", "No HP" (alone, "CEP" is a
#: Brazilian postcode and "HP" a brand).
WEAK_MOBILE_WORDS = frozenset({"cep", "hp"})
#: Words that, with a weak mobile word, make it a phone column: "No HP", "Nomor HP".
NUMBER_WORDS = frozenset({"number", "numero", "no", "nr", "num", "nomor", "numarasi", "номер"})

#: A fixed line is a phone column, but rarely on WhatsApp: it comes after the others.
LANDLINE_WORDS = frozenset({"landline", "fijo", "fixo", "fixe", "festnetz", "ثابت", "ارضي"})

#: A header holding one of these is about a phone, not the phone itself (type, label, fax…).
PHONE_EXCLUDE_WORDS = frozenset({
    "fax", "telefax", "pager", "beeper", "type", "types", "label", "kind", "tipo", "etiqueta",
    "rotulo", "libelle", "etiquette", "ext", "extension", "extensao", "ramal", "anexo", "poste",
    "code", "codes", "codigo", "indicatif", "prefix", "prefixo", "prefijo", "country", "pais",
    "pays", "ddi", "ddd", "area", "verified", "verification", "valid", "validated", "status",
    "optin", "opt", "consent", "subscribed", "unsubscribed", "carrier", "operator", "operadora",
    "date", "fecha", "count", "email", "mail", "name", "nombre", "nome", "nom", "owner",
    "note", "notes", "link", "url", "chat", "group", "message", "mensaje", "mensagem",
    "template", "model", "brand", "imei", "serial", "accepts", "marketing", "blacklisted",
    "blocklisted", "unsubscribe",
    "نوع", "فاكس", "كود", "رمز", "الدوله", "دوله", "تحويله", "الاسم", "اسم",
})

#: Headers that are only "number" and the like: used when nothing says phone.
GENERIC_NUMBER_KEYS = frozenset({
    "number", "numero", "num", "nr", "nro", "contact number", "contact no", "contact num",
    "numero de contacto", "numero de contato", "numero de contact", "numero contacto",
    "رقم", "الرقم", "رقم التواصل", "رقم الاتصال",
})

#: Ranks of phone columns, best first, with the reason the plan gives for the choice.
PHONE_RANK_REASONS = {
    0: "it says WhatsApp",
    1: "it says mobile and none says WhatsApp",
    2: "it says phone and none says WhatsApp or mobile",
    3: "a fixed line, the only kind of phone column",
    4: "its header says number and none says phone",
}

# --- name columns: the whole folded header must be one of these ---

FIRST_NAME_KEYS = frozenset({
    "first name", "firstname", "first", "given name", "givenname", "given", "forename",
    "fname", "first names", "given names",
    "primer nombre", "nombre de pila", "nombres",
    "primeiro nome", "prenome", "nome proprio", "nome de batismo",
    "prenom", "prenoms",
    "vorname", "nome di battesimo", "voornaam", "nama depan", "имя", "adi",
    "billing first name", "shipping first name", "person first name", "contact first name",
    "customer first name", "first name person", "given name yomi",
    "الاسم الاول", "اسم اول", "الاسم الشخصي",
})

LAST_NAME_KEYS = frozenset({
    "last name", "lastname", "last", "surname", "surnames", "family name", "familyname", "lname",
    "apellido", "apellidos", "primer apellido", "apellido paterno",
    "sobrenome", "ultimo nome", "apelido", "apelidos", "nome de familia",
    "nom de famille",
    "nachname", "familienname", "cognome", "soyad", "soyadi", "achternaam", "nama belakang",
    "фамилия", "billing last name", "shipping last name", "person last name",
    "contact last name", "customer last name", "اسم العائلة",
    "اسم العائله", "العائله", "الاسم الاخير", "اللقب", "الكنيه", "اسم الاسره",
})

FULL_NAME_KEYS = frozenset({
    "name", "full name", "fullname", "contact name", "contact", "display name", "displayname",
    "customer name", "client name", "person name", "names",
    "nombre", "nombre completo", "nombre y apellido", "nombre y apellidos", "nombre del cliente",
    "nome", "nome completo", "nome do cliente", "contato", "contacto",
    "nom", "nom complet", "nom et prenom", "prenom et nom", "nom prenom", "prenom nom",
    "nom du contact", "nom du client",
    "الاسم", "اسم", "الاسم الكامل", "الاسم بالكامل", "الاسم الثلاثي", "اسم العميل",
    "اسم جهه الاتصال",
    "vollstandiger name", "ad soyad", "nome e cognome", "naam", "volledige naam", "nama",
    "nama lengkap", "фио", "полное имя", "fn", "formatted name",
    "name full name", "billing full name",
})

#: A full-name word that means the first name when a last-name column stands beside it
#: ("Nombre" + "Apellido", "Name" + "Surname").
FIRST_WHEN_PAIRED_KEYS = frozenset({"name", "nombre", "nome", "الاسم", "اسم", "ad"})
#: A full-name word that means the last name when a first-name column stands beside it
#: ("Prénom" + "Nom").
LAST_WHEN_PAIRED_KEYS = frozenset({"nom"})
