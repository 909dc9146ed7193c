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
#: Brazilian postcode and "HP" a brand), Calendly's "Text Reminder Number" (texts go to a
#: mobile).
WEAK_MOBILE_WORDS = frozenset({"cep", "hp", "text", "texting"})
#: Words that, with a weak mobile word, make it a phone column: "No HP", "Nomor HP".
NUMBER_WORDS = frozenset({"number", "numero", "no", "nr", "num", "nomor", "numarasi", "номер"})

#: A fixed line is a phone column, but rarely on WhatsApp: it comes after the others.
LANDLINE_WORDS = frozenset({"landline", "fijo", "fixo", "fixe", "festnetz", "ثابت", "ارضي"})

#: A phone word with one of these is the contact's home (or another own, fixed) line: after
#: a plain phone. Outlook's "Home Phone", "Car Phone", "Other Phone"; Yahoo's "Home";
#: Shopify's "Default Address Phone" (the phone of an address, beside the customer's own).
HOME_WORDS = frozenset({
    "home", "homephone", "house", "residence", "residential", "address", "other",
    "otherphone", "car",
    "casa", "residencial", "domicile", "domicilio", "maison", "privat", "zuhause", "thuis",
    "rumah", "ev", "домашнии", "منزل", "المنزل", "البيت", "بيت",
})
#: A phone word with one of these is a work line (an office, a switchboard): the last kind
#: of the contact's own numbers. Outlook's "Business Phone", "Company Main Phone".
WORK_WORDS = frozenset({
    "work", "workphone", "business", "businessphone", "office", "company", "companyphone",
    "corporate", "job", "switchboard", "reception", "main", "mainphone", "geschaftlich", "buro",
    "dienstlich", "firma", "trabajo", "oficina", "empresa", "trabalho", "comercial",
    "escritorio", "bureau", "travail", "professionnel", "pro", "lavoro", "ufficio", "werk",
    "zakelijk", "kantoor", "kantor", "isyeri", "рабочии", "служебныи", "عمل", "العمل",
    "مكتب", "المكتب", "الشركه",
})

#: Headers that are a phone word alone: in a file that also has a mobile column this is the
#: office line a CRM keeps (HubSpot's "Phone Number", Salesforce's and Zoho's "Phone"), so
#: it comes with the work lines.
BARE_PHONE_KEYS = frozenset({
    "phone", "phone number", "phonenumber", "telephone", "telephone number", "tel", "tel no",
    "phone no", "telefono", "telefone", "telefon", "telefoon", "telepon", "телефон", "هاتف",
    "الهاتف", "رقم الهاتف", "numero de telephone", "numero de telefono", "numero de telefone",
})

#: A header that is only one of these words may hold numbers or something else (an address,
#: a name): its cells decide. Yahoo Contacts' phone columns are "Home", "Work", "Other",
#: "Primary"; many hand-made lists put the number under "Contact". The rank is where the
#: column comes when its cells are written like phone numbers (2 plain, 3 home, 4 work).
AMBIGUOUS_PHONE_KEYS = {
    "contact": 2, "contacts": 2, "kontakt": 2, "contacto": 2, "contato": 2, "primary": 2,
    "home": 3, "other": 3, "work": 4, "business": 4, "office": 4,
}

#: Whole headers that are never a phone source, though their word is part of phone headers
#: elsewhere ("Cep Telefonu" is a mobile; "CEP" alone is a Brazilian postcode).
NEVER_PHONE_KEYS = {
    "cep": "its header names a postcode",
}

#: Why a column is never a phone source, by the words its header holds: another person's or
#: another device's number, or something that is not a phone number at all. A word here
#: wins over any phone word of the same header ("Assistant's Phone", "Emergency contact
#: phone", "Order Count").
NEVER_PHONE_WORDS = {
    "it is someone else's number": frozenset({
        "assistant", "assistants", "asst", "assistent", "asistente", "assistente", "secretary",
        "secretaire", "sekretar", "secretaria", "manager", "managers", "boss", "supervisor",
        "spouse", "spouses", "husband", "wife", "partner", "partners", "emergency", "ice",
        "parent", "parents", "guardian", "guardians", "father", "fathers", "mother", "mothers",
        "dad", "mom", "mum", "relative", "relatives", "kin", "sibling", "brother", "sister",
        "referrer", "referrers", "referral", "referred", "referee", "sponsor", "reference",
        "agent", "nanny", "doctor", "guarantor", "tutor", "responsavel", "responsable", "padre",
        "madre", "pai", "mae", "pere", "mere", "vater", "mutter", "eltern", "notfall",
        "emergencia", "urgence", "urgencia", "veli", "anne", "baba", "acil", "вели",
        "родителя", "отца", "матери", "ولي", "الاب", "الام", "الوالد", "الوالده", "الطوارئ",
        "طوارئ",
    }),
    "it is a fax, pager or other device, not a phone": frozenset({
        "fax", "telefax", "pager", "beeper", "telex", "tty", "tdd", "callback", "isdn",
        "radio", "فاكس",
    }),
    "its header names a count": frozenset({
        "count", "counts", "quantity", "qty", "orders", "visits", "points", "score", "rank",
        "cantidad", "quantidade", "anzahl", "adet", "количество", "عدد",
    }),
    "its header names an ID": frozenset({
        "id", "ids", "identifier", "identification", "uuid", "guid", "record", "ref", "kimlik",
        "tc", "nik", "ktp", "cpf", "cnpj", "rg", "dni", "nie", "nif", "ssn", "passport",
        "pasaporte", "passaporte", "iban", "swift", "bic", "vat", "tax", "invoice", "order",
        "ticket", "membership", "matricula", "inn", "snils", "personalausweis",
        "ausweis", "رقم الهويه", "الهويه", "هويه", "الرقم القومي", "القومي",
    }),
    "its header names a date": frozenset({
        "date", "dates", "dob", "birth", "birthday", "born", "joined", "join", "created",
        "updated", "modified", "since", "year", "years", "month", "day", "time", "timestamp",
        "age", "anniversary", "expires", "expiry", "fecha", "data", "datum", "geburtsdatum",
        "geburtstag", "tarih", "tarihi", "dogum", "tanggal", "lahir", "дата", "рождения",
        "تاريخ", "الميلاد", "ميلاد",
    }),
    "its header names an amount": frozenset({
        "amount", "amounts", "total", "spent", "price", "cost", "balance", "revenue",
        "sum", "paid", "payment", "fee", "fees", "salary", "income", "importe",
        "monto", "valor", "montant", "betrag", "preis", "summe", "tutar", "jumlah", "сумма",
        "المبلغ", "مبلغ",
    }),
    "its header names a postcode": frozenset({
        "zip", "zipcode", "postcode", "postal", "postleitzahl", "plz", "cp", "postale",
        "postais", "codigo postal", "pincode", "pin", "индекс", "البريدي",
    }),
    "its header names an account": frozenset({
        "account", "accounts", "acct", "konto", "cuenta", "conta", "compte", "hesap", "rekening",
        "счет", "حساب",
    }),
}

#: A header holding one of these is about a phone, not the phone itself (type, label, fax…).
PHONE_EXCLUDE_WORDS = frozenset({
    "fax", "telefax", "pager", "beeper", "type", "types", "label", "kind", "tipo", "etiqueta",
    "rotulo", "libelle", "etiquette", "ext", "extension", "extensao", "ramal", "anexo", "poste",
    # a do-not-call flag beside a number (PropStream's "Phone 1 DNC"), not the number
    "dnc", "donotcall", "litigator", "tcpa",
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
    "number", "numero", "num", "nr", "nro", "nomor", "contact number", "contact no", "contact num",
    "numero de contacto", "numero de contato", "numero de contact", "numero contacto",
    "رقم", "الرقم", "رقم التواصل", "رقم الاتصال",
})

#: Ranks of phone columns, best first, with what the plan says of each: the contact's own
#: WhatsApp, mobile, plain phone, home (or other own fixed) line, work line, a bare "number".
PHONE_RANK_WORDS = {
    0: "says WhatsApp",
    1: "says mobile",
    2: "says phone",
    3: "says home or another own line",
    4: "says work, business or office",
    5: "says number",
}
#: The kinds a header can name, in that order, as "none says …" lists them.
PHONE_KIND_NAMES = ("WhatsApp", "mobile", "phone", "home", "work")

# --- name columns: the whole folded header must be one of these ---

FIRST_NAME_KEYS = frozenset({
    "first name", "firstname", "first", "given name", "givenname", "given", "forename",
    "fname", "first names", "given names",
    "primer nombre", "nombre de pila", "nombres",
    "primeiro nome", "prenome", "nome proprio", "nome de batismo",
    "prenom", "prenoms",
    "vorname", "nome di battesimo", "voornaam", "nama depan", "имя", "adi", "isim",
    "billing first name", "shipping first name", "person first name", "contact first name",
    "customer first name", "first name person", "given name yomi",
    "الاسم الاول", "اسم اول", "الاسم الشخصي",
})

LAST_NAME_KEYS = frozenset({
    "last name", "lastname", "last", "surname", "surnames", "family name", "familyname", "lname",
    "apellido", "apellidos", "primer apellido", "apellido paterno",
    "sobrenome", "ultimo nome", "apelido", "apelidos", "nome de familia",
    "nom de famille",
    "nachname", "familienname", "cognome", "soyad", "soyadi", "soyadiniz", "soyisim",
    "soyisminiz", "achternaam", "nama belakang",
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
    "vollstandiger name", "ad soyad", "adi soyadi", "adi ve soyadi", "adiniz soyadiniz",
    "ad ve soyad", "adsoyad", "isim soyisim", "isim soyad", "adiniz", "isminiz",
    "nome e cognome", "naam", "volledige naam", "nama",
    "nama lengkap", "фио", "полное имя", "fn", "formatted name",
    "name full name", "billing full name",
})

#: A full-name word that means the first name when a last-name column stands beside it
#: ("Nombre" + "Apellido", "Name" + "Surname").
FIRST_WHEN_PAIRED_KEYS = frozenset({"name", "nombre", "nome", "الاسم", "اسم", "ad", "adiniz",
                                    "isminiz"})
#: A full-name word that means the last name when a first-name column stands beside it
#: ("Prénom" + "Nom").
LAST_WHEN_PAIRED_KEYS = frozenset({"nom"})

#: Words of a question or a form's label around the name words: "What's your first name?",
#: "And your surname?", "¿Cuál es tu nombre?", "Qual é o seu nome?". They are dropped before
#: a header is matched against the name words above.
NAME_FILLER_WORDS = frozenset({
    "what", "whats", "s", "is", "your", "and", "please", "enter", "type", "write", "the", "of",
    "my", "our", "here", "cual", "es", "tu", "su", "sus", "qual", "e", "o", "seu", "sua",
    "votre", "vos", "ton", "quel", "est", "wie", "ist", "dein", "deine", "ihr", "ihre", "il",
    "tuo", "suo", "vostro", "hoe", "je", "uw", "anda", "kamu", "siapa", "ваше", "ваша",
    "твое", "как", "ما", "هو", "ادخل",
})
#: A column named after the people it lists ("Member", "Member Name", "Participant"): a
#: full-name column (the role word is dropped when "name" follows it).
ROLE_NAME_KEYS = frozenset({
    "member", "members", "participant", "participants", "attendee", "attendees", "guest",
    "guests", "student", "students", "patient", "patients", "customer", "client", "employee",
    "person", "player", "volunteer", "subscriber", "parishioner", "uye", "katilimci",
    "ogrenci", "miembro", "socio", "participante", "alumno", "membro", "aluno", "mitglied",
    "teilnehmer", "membre", "adherent", "eleve", "lid", "deelnemer",
    "anggota", "peserta", "участник", "член", "عضو", "العضو", "المشترك",
})
#: Words before a name header that say whose name it is when that is the contact's own:
#: PropStream's "Owner 1 First Name", Calendly's "Invitee First Name", "Primary Contact
#: Name" (with the role words above; someone else's, "Spouse First Name", is never stripped).
NAME_OWNER_WORDS = frozenset({
    "owner", "invitee", "primary", "main", "lead", "buyer", "tenant", "applicant",
    "registrant", "respondent", "recipient", "contact", "holder", "prospect", "donor",
    "propietario", "proprietario", "titular", "inhaber", "titulaire",
})
#: Last resorts for a row (or a file) without a name: its nickname, then its company.
NICKNAME_KEYS = frozenset({
    "nickname", "nick name", "nick", "alias", "short name", "spitzname", "apodo",
    "sobrenombre", "apelido curto", "alcunha", "surnom", "soprannome", "bijnaam", "takma ad",
    "lakap", "julukan", "nama panggilan", "panggilan", "прозвище", "псевдоним",
})
COMPANY_KEYS = frozenset({
    "company", "company name", "companyname", "organization", "organisation",
    "organization name", "organisation name", "organization 1 name", "org", "business name",
    "account name", "employer", "empresa", "nombre de la empresa", "compania", "nome da empresa",
    "firma", "firmenname", "unternehmen", "societe", "entreprise", "nom de l entreprise",
    "azienda", "societa", "bedrijf", "bedrijfsnaam", "sirket", "sirket adi", "kurum",
    "perusahaan", "nama perusahaan", "компания", "организация", "الشركه", "اسم الشركه",
})
#: A column under one of these words is never taken for people's names by its cells alone,
#: though "New York" or "Sales Manager" read like two-word names.
NOT_A_NAME_WORDS = frozenset({
    "city", "town", "country", "state", "province", "region", "county", "district", "address",
    "street", "area", "location", "place", "title", "job", "position", "role", "department",
    "team", "status", "stage", "tag", "tags", "label", "labels", "group", "groups", "category",
    "categories", "source", "campaign", "comment", "comments", "description", "gender",
    "language", "website", "web", "url", "email", "mail", "owner", "product", "plan", "course",
    "class", "event", "answer", "reason", "interest", "interests", "ciudad", "pais",
    "direccion", "cidade", "endereco", "ville", "pays", "adresse", "stadt", "land", "strasse",
    "citta", "indirizzo", "stad", "adres", "sehir", "il", "ilce", "kota", "alamat", "город",
    "адрес", "المدينه", "العنوان", "الدوله",
})
