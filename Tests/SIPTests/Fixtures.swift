enum Fixtures {
    static let invite = """
    INVITE sip:bob@biloxi.example.com SIP/2.0\r
    Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r
    Max-Forwards: 70\r
    To: Bob <sip:bob@biloxi.example.com>\r
    From: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774\r
    Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r
    CSeq: 314159 INVITE\r
    Contact: <sip:alice@pc33.atlanta.example.com>\r
    Content-Type: application/sdp\r
    Content-Length: 149\r
    \r
    v=0\r
    o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r
    s=-\r
    c=IN IP4 192.0.2.101\r
    t=0 0\r
    m=audio 49172 RTP/AVP 0\r
    a=rtpmap:0 PCMU/8000\r

    """

    static let options = """
    OPTIONS sip:carol@chicago.example.com SIP/2.0\r
    Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r
    Max-Forwards: 70\r
    To: <sip:carol@chicago.example.com>\r
    From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r
    Call-ID: a84b4c76e66710\r
    CSeq: 63104 OPTIONS\r
    Contact: <sip:alice@pc33.atlanta.example.com>\r
    Accept: application/sdp\r
    Content-Length: 0\r
    \r

    """

    static let response = """
    SIP/2.0 180 Ringing\r
    Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r
    Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r
    To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r
    From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r
    Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r
    Contact: <sip:bob@192.0.2.4>\r
    CSeq: 314159 INVITE\r
    Content-Length: 0\r
    \r

    """
}
