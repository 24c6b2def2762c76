import os
def cd(ds):
    s=0
    for i,d in enumerate(ds):
        p=int(d)*(1 if i%2==0 else 2); s+=p//10+p%10
    return str((10-s%10)%10)
def cci(office, acct):
    b=f"018{office:03}{acct:012}"; return b+cd(b[:6])+cd(b[6:18])
C1,C2=cci(1,123456789),cci(2,987654321)
NS="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
def bal(code,amt,ind,dt,ccy="PEN"):
    return f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{ccy}\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>{dt}</Dt></Dt></Bal>\n"
def ntry(amt,ind,dt="2024-03-05",sts="BOOK",ccy="PEN",extra="",ref="REF-1",rv=""):
    return (f"<Ntry><Amt Ccy=\"{ccy}\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{rv}<Sts>{sts}</Sts><BookgDt><Dt>{dt}</Dt></BookgDt>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{ref}</EndToEndId></Refs></TxDtls></NtryDtls>{extra}</Ntry>\n")
def stmt(body,acct="ACC-1",fr="2024-03-01",to="2024-03-31"):
    ft=f"<FrToDt><FrDtTm>{fr}T00:00:00</FrDtTm><ToDtTm>{to}T23:59:59</ToDtTm></FrToDt>" if fr else ""
    ac=f"<Acct><Id><Othr><Id>{acct}</Id></Othr></Id></Acct>" if acct else ""
    return f"<Stmt><Id>S</Id>{ft}{ac}\n{body}</Stmt>\n"
def camt(*stmts):
    return f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{NS}\"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-01T00:00:00</CreDtTm></GrpHdr>\n" + "".join(stmts) + "</BkToCstmrStmt></Document>\n"
ok=bal("OPBD","100.00","CRDT","2024-03-01")+bal("CLBD","150.00","CRDT","2024-03-31")
bad={}
exp=[]
def add(name,text,loc,reason):
    bad[name]=text; exp.append((name,loc,reason))
add("camt_unbalanced.xml",camt(stmt(ok+ntry("40.00","CRDT"))),"/Stmt[1]","does not balance")
add("camt_currency.xml",camt(stmt(ok+ntry("50.00","CRDT",ccy="USD"))),"/Stmt[1]/Ntry[1]/Amt","currency USD is not the bank currency PEN")
add("camt_currency_pending.xml",camt(stmt(ok+ntry("50.00","CRDT")+ntry("9.00","CRDT",sts="PDNG",ccy="USD",ref="R2"))),"/Stmt[1]/Ntry[2]/Amt","currency USD")
add("camt_balance_currency.xml",camt(stmt(bal("OPBD","100.00","CRDT","2024-03-01","EUR")+bal("CLBD","150.00","CRDT","2024-03-31")+ntry("50.00","CRDT"))),"/Stmt[1]/Bal[1]/Amt","currency EUR")
add("camt_three_decimals.xml",camt(stmt(ok+ntry("50.000","CRDT"))),"/Stmt[1]/Ntry[1]/Amt","more than 2 decimals")
add("camt_no_opening.xml",camt(stmt(bal("CLBD","150.00","CRDT","2024-03-31")+ntry("50.00","CRDT"))),"/Stmt[1]","no opening balance")
add("camt_no_closing.xml",camt(stmt(bal("OPBD","100.00","CRDT","2024-03-01")+ntry("50.00","CRDT"))),"/Stmt[1]","no closing balance")
add("camt_frtodt_backwards.xml",camt(stmt(ok+ntry("50.00","CRDT"),fr="2024-03-31",to="2024-03-01")),"/Stmt[1]","before they start")
add("camt_overlap.xml",camt(stmt(ok+ntry("50.00","CRDT")),stmt(ok+ntry("50.00","CRDT"),fr="2024-03-31",to="2024-04-30")),"/Stmt[2]","overlaps")
add("camt_bad_cdtdbtind.xml",camt(stmt(ok+ntry("50.00","CR"))),"/Stmt[1]/Ntry[1]/CdtDbtInd","must be CRDT or DBIT")
add("camt_bad_date.xml",camt(stmt(ok+ntry("50.00","CRDT",dt="2024-02-30"))),"/Stmt[1]/Ntry[1]/BookgDt/Dt","not a date")
add("camt_bad_rvslind.xml",camt(stmt(ok+ntry("50.00","CRDT",rv="<RvslInd>yes</RvslInd>"))),"/Stmt[1]/Ntry[1]/RvslInd","must be true")
add("camt_missing_sts.xml",camt(stmt(ok+ntry("50.00","CRDT").replace("<Sts>BOOK</Sts>",""))),"/Stmt[1]/Ntry[1]","Sts is missing")
add("camt_missing_bookgdt.xml",camt(stmt(ok+ntry("50.00","CRDT").replace("<BookgDt><Dt>2024-03-05</Dt></BookgDt>",""))),"/Stmt[1]/Ntry[1]","BookgDt is missing")
add("camt_no_account.xml",camt(stmt(ok+ntry("50.00","CRDT"),acct=None)),"/Stmt[1]","Acct/Id is missing")
add("camt_no_stmt.xml",camt(),"/Document/BkToCstmrStmt","no statement")
add("camt_not_amount.xml",camt(stmt(ok+ntry("5O.00","CRDT"))),"/Stmt[1]/Ntry[1]/Amt","not an amount")
# hostile
head=f"<?xml version=\"1.0\"?>\n"
lol=head+'<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' + "".join(f' <!ENTITY lol{i} "{("&lol"+str(i-1)+";")*10 if i>1 else "&lol;"*10}">\n' for i in range(1,10)) + f']>\n<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>\n'
add("hostile_billion_laughs.xml",lol,"file","<!DOCTYPE")
add("hostile_xxe.xml",head+f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>\n',"file","<!DOCTYPE")
add("hostile_entity_decl.xml",head+f'<Document xmlns="{NS}"><!ENTITY x "y"><BkToCstmrStmt/></Document>\n',"file","<!ENTITY")
add("hostile_unknown_entity.xml",camt(stmt(ok+ntry("50.00","CRDT",extra="<AddtlNtryInf>&xxe;</AddtlNtryInf>"))),"/Stmt[1]/Ntry[1]/AddtlNtryInf","entity")
add("hostile_deep_nesting.xml",head+f'<Document xmlns="{NS}"><BkToCstmrStmt><Stmt>'+"<X>"*10000+"</X>"*10000+"</Stmt></BkToCstmrStmt></Document>\n","/Stmt[1]/X/X","deeper than 64")
full=camt(stmt(ok+ntry("50.00","CRDT")))
add("hostile_truncated.xml",full[:full.index("<BookgDt>")],"/Stmt[1]/Ntry[1]","truncated")
add("hostile_truncated_in_tag.xml",full[:full.index("<BookgDt>")+5],"/Stmt[1]/Ntry[1]","malformed")
add("hostile_mismatched_tags.xml",full.replace("</BookgDt>","</Bookg>"),"/Stmt[1]/Ntry[1]/BookgDt","malformed")
add("hostile_two_roots.xml",full+f'<Document xmlns="{NS}"/>',"element /","second root")
open("bad/hostile_garbage.xml","wb").write((head+f'<Document xmlns="{NS}"><BkToCstmrStmt>').encode()+bytes(range(128,256))+b"\x00\x01<<>>&&;;")
exp.append(("hostile_garbage.xml","/Document/BkToCstmrStmt","UTF-8"))
# pain
PNS="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
def tx(ref="REF-1",amt="150.00",ccy="PEN",acct=None,dni="12345678",scheme="NIDN"):
    acct = acct if acct is not None else f"<Othr><Id>{C1}</Id></Othr>"
    return (f"<CdtTrfTxInf><PmtId><EndToEndId>{ref}</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"{ccy}\">{amt}</InstdAmt></Amt>"
            f"<Cdtr><Nm>X</Nm><Id><PrvtId><Othr><Id>{dni}</Id><SchmeNm><Cd>{scheme}</Cd></SchmeNm></Othr></PrvtId></Id></Cdtr>"
            f"<CdtrAcct><Id>{acct}</Id></CdtrAcct></CdtTrfTxInf>\n")
def pmt(txs,nb="2",cs="300.00",pid="LOTE-1",dt="<ReqdExctnDt>2024-03-01</ReqdExctnDt>"):
    nbx=f"<NbOfTxs>{nb}</NbOfTxs>" if nb else ""; csx=f"<CtrlSum>{cs}</CtrlSum>" if cs else ""
    pidx=f"<PmtInfId>{pid}</PmtInfId>" if pid else ""
    return f"<PmtInf>{pidx}<PmtMtd>TRF</PmtMtd>{nbx}{csx}{dt}<Dbtr><Nm>PROGRAMA JUNTOS</Nm></Dbtr>\n{txs}</PmtInf>\n"
def pain(*pmts,nb="2",cs="300.00"):
    nbx=f"<NbOfTxs>{nb}</NbOfTxs>" if nb else ""; csx=f"<CtrlSum>{cs}</CtrlSum>" if cs else ""
    return f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{PNS}\"><CstmrCdtTrfInitn><GrpHdr><MsgId>M</MsgId><CreDtTm>2024-03-01T00:00:00</CreDtTm>{nbx}{csx}</GrpHdr>\n"+"".join(pmts)+"</CstmrCdtTrfInitn></Document>\n"
two=tx()+tx(ref="REF-2",dni="87654321",acct=f"<Othr><Id>{C2}</Id></Othr>")
open("good/pain001_two.xml","w").write(pain(pmt(two)))
add("pain_grphdr_nboftxs.xml",pain(pmt(two),nb="3"),"/GrpHdr/NbOfTxs","control count")
add("pain_grphdr_ctrlsum.xml",pain(pmt(two),cs="300.01"),"/GrpHdr/CtrlSum","control sum")
add("pain_grphdr_no_ctrlsum.xml",pain(pmt(two),cs=None),"/GrpHdr","CtrlSum is missing")
add("pain_pmtinf_nboftxs.xml",pain(pmt(two,nb="1")),"/PmtInf[1]/NbOfTxs","control count")
add("pain_pmtinf_ctrlsum.xml",pain(pmt(two,cs="299")),"/PmtInf[1]/CtrlSum","control sum")
add("pain_iban.xml",pain(pmt(tx()+tx(ref="REF-2",dni="87654321",acct="<IBAN>PE21500500009876543210</IBAN>"))),"/PmtInf[1]/CdtTrfTxInf[2]","cuenta must be a CCI in CdtrAcct/Id/Othr/Id")
add("pain_bad_cci.xml",pain(pmt(tx()+tx(ref="REF-2",dni="87654321",acct="<Othr><Id>01800200098765432100</Id></Othr>"))),"/PmtInf[1]/CdtTrfTxInf[2]/CdtrAcct/Id/Othr/Id","CCI")
add("pain_no_nidn.xml",pain(pmt(tx()+tx(ref="REF-2",dni="87654321",scheme="CCPT"))),"/PmtInf[1]/CdtTrfTxInf[2]","dni is missing")
add("pain_bad_dni.xml",pain(pmt(tx()+tx(ref="REF-2",dni="8765432"))),"/PmtInf[1]/CdtTrfTxInf[2]/Cdtr/Id/PrvtId/Othr/Id","DNI must be exactly 8 digits")
add("pain_duplicate_ref.xml",pain(pmt(tx()+tx(dni="87654321"))),"/PmtInf[1]/CdtTrfTxInf[2]/PmtId/EndToEndId","more than once")
add("pain_bad_ref.xml",pain(pmt(tx()+tx(ref="REF/2",dni="87654321"))),"/PmtInf[1]/CdtTrfTxInf[2]/PmtId/EndToEndId","referencia must be")
add("pain_zero_amount.xml",pain(pmt(tx()+tx(ref="REF-2",amt="0.00")),cs="150.00",nb="2"),"/PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt","greater than 0")
add("pain_currency.xml",pain(pmt(tx()+tx(ref="REF-2",ccy="USD"))),"/PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt","currency USD")
add("pain_three_decimals.xml",pain(pmt(tx()+tx(ref="REF-2",amt="150.001")),cs="300.001"),"/PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt","more than 2 decimals")
add("pain_no_reqdexctndt.xml",pain(pmt(two,dt="")),"/PmtInf[1]","ReqdExctnDt is missing")
add("pain_no_pmtinfid.xml",pain(pmt(two,pid=None)),"/PmtInf[1]","PmtInfId (lote) is missing")
add("pain_no_transactions.xml",pain(pmt("",nb="0",cs="0"),nb="0",cs="0"),"/Document/CstmrCdtTrfInitn","no transaction")
add("pain_hostile_xxe.xml",head+f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Document xmlns="{PNS}"><CstmrCdtTrfInitn><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>\n',"file","<!DOCTYPE")
for n,t in bad.items(): open("bad/"+n,"w").write(t)
with open("bad/EXPECTED.tsv","w") as f:
    f.write("file\tlocation\treason\n")
    for n,l,r in sorted(exp): f.write(f"{n}\t{l}\t{r}\n")
print(C1,C2, len(exp))
