"""Small, realistic pain.002.001.03 and camt.054.001.02/.08 documents for the bank-file tests.

Each builder returns bytes; the tests check them against the official XSD before reading them.
"""

from __future__ import annotations

from decimal import Decimal

PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
CAMT054 = {"02": "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"}
CAMT054["08"] = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"

ORIGINAL = "f" * 32
"""The MsgId of the pain.001 file the reports answer."""


def reason(code: str | None, text: str | None = None) -> str:
    if code is None and text is None:
        return ""
    inner = f"<Rsn><Cd>{code}</Cd></Rsn>" if code else ""
    inner += f"<AddtlInf>{text}</AddtlInf>" if text else ""
    return f"<StsRsnInf>{inner}</StsRsnInf>"


def tx_status(
    end_to_end_id: str,
    status: str | None = None,
    code: str | None = None,
    *,
    amount: str = "1250.00",
    kid: str | None = "000000059",
    text: str | None = None,
) -> str:
    remittance = (
        "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        f"<Ref>{kid}</Ref></CdtrRefInf></Strd></RmtInf>"
        if kid
        else ""
    )
    return (
        f"<TxInfAndSts><OrgnlInstrId>{end_to_end_id}</OrgnlInstrId>"
        f"<OrgnlEndToEndId>{end_to_end_id}</OrgnlEndToEndId>"
        + (f"<TxSts>{status}</TxSts>" if status else "")
        + reason(code, text)
        + f"<AcctSvcrRef>BNK-{end_to_end_id[:8]}</AcctSvcrRef>"
        f'<OrgnlTxRef><Amt><InstdAmt Ccy="NOK">{amount}</InstdAmt></Amt>'
        f"<ReqdExctnDt>2026-03-02</ReqdExctnDt>{remittance}</OrgnlTxRef></TxInfAndSts>"
    )


def block_status(
    block_id: str, status: str | None = None, code: str | None = None, *txs: str
) -> str:
    return (
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{block_id}</OrgnlPmtInfId>"
        + (f"<PmtInfSts>{status}</PmtInfSts>" if status else "")
        + reason(code)
        + "".join(txs)
        + "</OrgnlPmtInfAndSts>"
    )


def pain002(
    *blocks: str,
    group: str | None = None,
    code: str | None = None,
    text: str | None = None,
    message_id: str = "STS-0001",
    original: str = ORIGINAL,
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="{PAIN002}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-02T10:15:00</CreDtTm>"
        "<DbtrAgt><FinInstnId><BIC>DNBANOKK</BIC></FinInstnId></DbtrAgt></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId>"
        "<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>"
        + (f"<GrpSts>{group}</GrpSts>" if group else "")
        + reason(code, text)
        + "</OrgnlGrpInfAndSts>"
        + "".join(blocks)
        + "</CstmrPmtStsRpt></Document>"
    ).encode()


def camt_tx(
    version: str,
    *,
    end_to_end_id: str | None,
    kid: str | None,
    amount: str = "1250.00",
    returned: str | None = None,
    reference: str | None = None,
) -> str:
    refs = ""
    if end_to_end_id or reference:
        refs = (
            "<Refs>"
            + (f"<AcctSvcrRef>{reference}</AcctSvcrRef>" if reference else "")
            + (f"<EndToEndId>{end_to_end_id}</EndToEndId>" if end_to_end_id else "")
            + "</Refs>"
        )
    amount_xml = (
        f'<AmtDtls><TxAmt><Amt Ccy="NOK">{amount}</Amt></TxAmt></AmtDtls>'
        if version == "02"
        else f'<Amt Ccy="NOK">{amount}</Amt><CdtDbtInd>{"CRDT" if returned else "DBIT"}</CdtDbtInd>'
    )
    remittance = (
        "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        f"<Ref>{kid}</Ref></CdtrRefInf></Strd></RmtInf>"
        if kid
        else ""
    )
    return_info = (
        f"<RtrInf><Rsn><Cd>{returned}</Cd></Rsn><AddtlInf>Konto avsluttet</AddtlInf></RtrInf>"
        if returned
        else ""
    )
    return f"<TxDtls>{refs}{amount_xml}{remittance}{return_info}</TxDtls>"


def camt_entry(
    version: str,
    *txs: str,
    amount: str = "1250.00",
    direction: str = "DBIT",
    status: str = "BOOK",
    reference: str = "NTRY-1",
    reversal: bool = False,
) -> str:
    sts = f"<Sts>{status}</Sts>" if version == "02" else f"<Sts><Cd>{status}</Cd></Sts>"
    details = f"<NtryDtls>{''.join(txs)}</NtryDtls>" if txs else ""
    return (
        f'<Ntry><NtryRef>{reference}</NtryRef><Amt Ccy="NOK">{amount}</Amt>'
        f"<CdtDbtInd>{direction}</CdtDbtInd>"
        + ("<RvslInd>true</RvslInd>" if reversal else "")
        + f"{sts}<BookgDt><Dt>2026-03-02</Dt></BookgDt><ValDt><Dt>2026-03-02</Dt></ValDt>"
        f"<AcctSvcrRef>{reference}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly>"
        f"</Domn></BkTxCd>{details}</Ntry>"
    )


def camt054(version: str, *entries: str, message_id: str = "DBT-0001") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="{CAMT054[version]}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-02T18:00:00</CreDtTm></GrpHdr>"
        "<Ntfctn><Id>NTF-1</Id><CreDtTm>2026-03-02T18:00:00</CreDtTm>"
        "<Acct><Id><Othr><Id>15030100007</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>"
        "<Ccy>NOK</Ccy></Acct>" + "".join(entries) + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def nok(text: str) -> Decimal:
    return Decimal(text)
