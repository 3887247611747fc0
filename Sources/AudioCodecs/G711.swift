/// G.711 μ-law / A-law by lookup table. Tables are generated once from the
/// ITU-T G.191 reference algorithms (see `G711Reference`), so results are
/// bit-exact with the reference while the per-sample cost is one load.
public enum G711 {
    /// 65536-entry encode tables indexed by the Int16 bit pattern.
    static let ulawEncodeTable: [UInt8] = (0..<65536).map { G711Reference.ulawCompress(Int16(truncatingIfNeeded: $0)) }
    static let alawEncodeTable: [UInt8] = (0..<65536).map { G711Reference.alawCompress(Int16(truncatingIfNeeded: $0)) }
    static let ulawDecodeTable: [Int16] = (0..<256).map { G711Reference.ulawExpand(UInt8($0)) }
    static let alawDecodeTable: [Int16] = (0..<256).map { G711Reference.alawExpand(UInt8($0)) }

    @inline(__always) public static func ulawEncode(_ s: Int16) -> UInt8 { ulawEncodeTable[Int(UInt16(bitPattern: s))] }
    @inline(__always) public static func alawEncode(_ s: Int16) -> UInt8 { alawEncodeTable[Int(UInt16(bitPattern: s))] }
    @inline(__always) public static func ulawDecode(_ c: UInt8) -> Int16 { ulawDecodeTable[Int(c)] }
    @inline(__always) public static func alawDecode(_ c: UInt8) -> Int16 { alawDecodeTable[Int(c)] }

    /// Encodes `pcm` into `out` (same count); returns samples encoded.
    public static func encode(ulaw: Bool, _ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(pcm.count, out.count)
        let table = ulaw ? ulawEncodeTable : alawEncodeTable
        table.withUnsafeBufferPointer { t in
            for i in 0..<n { out[i] = t[Int(UInt16(bitPattern: pcm[i]))] }
        }
        return n
    }

    public static func decode(ulaw: Bool, _ data: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(data.count, out.count)
        let table = ulaw ? ulawDecodeTable : alawDecodeTable
        table.withUnsafeBufferPointer { t in
            for i in 0..<n { out[i] = t[Int(data[i])] }
        }
        return n
    }

    /// The codeword for digital silence (decodes to 0 / ±8).
    public static func silenceByte(ulaw: Bool) -> UInt8 { ulaw ? 0xFF : 0xD5 }
}
