"""Code lists the Peppol BIS Billing 3.0 rules (release 3.0.19) check values against.

The values are data published by the standards bodies (ISO, UN/CEFACT, IANA, the Peppol
Electronic Address Scheme list) in the subsets Peppol BIS 3.0.19 allows. Each list is a frozenset
of the exact codes; membership is case-sensitive, as in the official rules.
"""

from __future__ import annotations


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 3166-1 alpha-2 country codes, plus 1A (Kosovo) and XI (Northern Ireland) as Peppol allows.
ISO3166_COUNTRIES = _codes("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    1A XI
""")

# ISO 4217 currency codes as Peppol BIS 3.0.19 lists them (HRK withdrawn; SLE, VED, VES, ZWG in).
ISO4217_CURRENCIES = _codes("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRO MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STD SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UZS VED VES
    VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR
    ZMW ZWG ZWL
""")

# IANA media types allowed for attached documents (BT-125).
MIME_CODES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)

# UNCL 2005 subset: invoice period description codes (BT-8).
UNCL2005_PERIOD_CODES = _codes("3 35 432")

# UNCL 5189 subset (D.16B): allowance reason codes.
UNCL5189_ALLOWANCE_REASONS = _codes("41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105")

# UNCL 7161 (D.16B): charge reason codes.
UNCL7161_CHARGE_REASONS = _codes("""
    AA AAA AAC AAD AAE AAF AAH AAI AAS AAT AAV AAY AAZ ABA ABB ABC ABD ABF ABK ABL ABN ABR
    ABS ABT ABU ACF ACG ACH ACI ACJ ACK ACL ACM ACS ADC ADE ADJ ADK ADL ADM ADN ADO ADP ADQ
    ADR ADT ADW ADY ADZ AEA AEB AEC AED AEF AEH AEI AEJ AEK AEL AEM AEN AEO AEP AES AET AEU
    AEV AEW AEX AEY AEZ AJ AU CA CAB CAD CAE CAF CAI CAJ CAK CAL CAM CAN CAO CAP CAQ CAR CAS
    CAT CAU CAV CAW CAX CAY CAZ CD CG CS CT DAB DAC DAD DAF DAG DAH DAI DAJ DAK DAL DAM DAN
    DAO DAP DAQ DL EG EP ER FAA FAB FAC FC FH FI GAA HAA HD HH IAA IAB ID IF IR IS KO L1 LA
    LAA LAB LF MAE MI ML NAA OA PA PAA PC PL RAB RAC RAD RAF RE RF RH RV SA SAA SAD SAE SAI
    SG SH SM SU TAB TAC TT TV V1 V2 WH XAA YY ZZZ
""")

# UNCL 5305 subset: VAT category codes.
UNCL5305_VAT_CATEGORIES = _codes("AE E S Z G O K L M")

# UNCL 1001 subsets: document type codes allowed in profile 01 (billing).
UNCL1001_INVOICE_TYPES = _codes("""
    71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870
    875 876 877
""")
UNCL1001_CREDIT_NOTE_TYPES = _codes("381 396 81 83 532")
# Invoice type codes only German seller and German buyer may use (partial / final invoices).
GERMAN_ONLY_INVOICE_TYPES = _codes("326 384")

# UNCL 4461 codes that are direct debits and so need a mandate reference.
UNCL4461_DIRECT_DEBIT = _codes("49 59")

# VATEX exemption reason codes that fix the VAT category (code → category).
VATEX_CATEGORY = {
    "VATEX-EU-G": "G",
    "VATEX-EU-O": "O",
    "VATEX-EU-IC": "K",
    "VATEX-EU-AE": "AE",
    "VATEX-EU-D": "E",
    "VATEX-EU-F": "E",
    "VATEX-EU-I": "E",
    "VATEX-EU-J": "E",
}

# Peppol Electronic Address Scheme (EAS) codes for EndpointID/@schemeID.
EAS_SCHEMES = _codes("""
    0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0170 0177 0183
    0184 0188 0190 0191 0192 0193 0195 0196 0198 0199 0200 0201 0202 0204 0208 0209 0210
    0211 0212 0213 0215 0216 0218 0221 0230 0235
    9901 9906 9907 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928
    9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945
    9946 9947 9948 9949 9950 9951 9952 9953 9957 9959
""")
