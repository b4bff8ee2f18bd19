import Crypto
import Foundation

/// NKeys and `.creds` files: Ed25519 keys in NATS's base32 encoding, used to sign the
/// server's nonce. Seeds never appear in errors or descriptions.
public enum NATSCredentials {
    /// The user key pair of an NKey seed (`SU…`).
    public struct KeyPair: Sendable {
        /// The 32-byte Ed25519 seed; the key is rebuilt from it when needed.
        private let rawSeed: [UInt8]
        private var privateKey: Curve25519.Signing.PrivateKey {
            // The seed was checked when the pair was made.
            try! Curve25519.Signing.PrivateKey(rawRepresentation: rawSeed)
        }

        /// Reads a user seed.
        /// - Throws: `NATSError` `.invalidCredentials` (the message never quotes the seed).
        public init(seed: String) throws(NATSError) {
            let trimmed = seed.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let raw = Base32.decode(trimmed), raw.count == 36 else {
                throw NATSError(code: .invalidCredentials, message: "NKey seed is not valid base32 of the right length")
            }
            let payload = Array(raw[0..<34])
            let checksum = UInt16(raw[34]) | UInt16(raw[35]) << 8
            guard CRC16.xmodem(payload) == checksum else {
                throw NATSError(code: .invalidCredentials, message: "NKey seed checksum does not match")
            }
            guard raw[0] & 0xF8 == Prefix.seed else {
                throw NATSError(code: .invalidCredentials, message: "NKey is not a seed (it should start with S)")
            }
            let keyType = (raw[0] & 0x07) << 5 | (raw[1] & 0xF8) >> 3
            guard keyType == Prefix.user else {
                throw NATSError(
                    code: .invalidCredentials,
                    message: "NKey seed is not a user seed (it should start with SU)"
                )
            }
            do {
                _ = try Curve25519.Signing.PrivateKey(rawRepresentation: raw[2..<34])
            } catch {
                throw NATSError(code: .invalidCredentials, message: "NKey seed does not hold an Ed25519 key")
            }
            rawSeed = Array(raw[2..<34])
        }

        /// A new random user key pair.
        public static func generate() -> KeyPair {
            KeyPair(rawSeed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
        }

        private init(rawSeed: [UInt8]) {
            self.rawSeed = rawSeed
        }

        /// The public key, `U…`.
        public var publicKey: String {
            Self.encode(prefix: [Prefix.user], Array(privateKey.publicKey.rawRepresentation))
        }

        /// The seed, `SU…`. Keep it secret.
        public var seed: String {
            let b1 = Prefix.seed | (Prefix.user >> 5)
            let b2 = (Prefix.user & 0x1F) << 3
            return Self.encode(prefix: [b1, b2], Array(privateKey.rawRepresentation))
        }

        /// Signs the nonce: Ed25519, base64 URL-safe without padding, as the server expects.
        public func sign(nonce: String) throws -> String {
            let signature = try privateKey.signature(for: Data(nonce.utf8))
            return Data(signature).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        private static func encode(prefix: [UInt8], _ key: [UInt8]) -> String {
            let payload = prefix + key
            let checksum = CRC16.xmodem(payload)
            return Base32.encode(payload + [UInt8(checksum & 0xFF), UInt8(checksum >> 8)])
        }
    }

    enum Prefix {
        static let seed: UInt8 = 18 << 3
        static let user: UInt8 = 20 << 3
    }

    /// The JWT and seed of a `.creds` file.
    public struct Creds: Sendable {
        public var jwt: String
        public var keyPair: KeyPair

        /// Parses the text of a `.creds` file.
        /// - Throws: `NATSError` `.invalidCredentials` naming the missing part.
        public init(text: String) throws(NATSError) {
            guard let jwt = Self.block(in: text, named: "USER JWT") else {
                throw NATSError(code: .invalidCredentials, message: "credentials file has no NATS USER JWT block")
            }
            guard let seed = Self.block(in: text, named: "USER NKEY SEED") else {
                throw NATSError(code: .invalidCredentials, message: "credentials file has no USER NKEY SEED block")
            }
            self.jwt = jwt
            self.keyPair = try KeyPair(seed: seed)
        }

        /// Reads and parses a `.creds` file.
        public init(contentsOf path: String) throws(NATSError) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw NATSError(code: .invalidCredentials, message: "cannot read credentials file \(path)")
            }
            try self.init(text: text)
        }

        private static func block(in text: String, named name: String) -> String? {
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let start = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN") && $0.contains(name) }) else {
                return nil
            }
            for line in lines[(start + 1)...] where !line.isEmpty {
                return line.hasPrefix("---") ? nil : line
            }
            return nil
        }
    }

    /// Adds the NKey or JWT signature to CONNECT.
    static func sign(_ request: inout ConnectRequest, options: NATSOptions, nonce: String?) throws {
        if let path = options.credentialsFile {
            let creds = try Creds(contentsOf: path)
            request.jwt = creds.jwt
            request.sig = try creds.keyPair.sign(nonce: nonce ?? "")
        } else if let seed = options.nkeySeed {
            let pair = try KeyPair(seed: seed)
            request.nkey = pair.publicKey
            request.sig = try pair.sign(nonce: nonce ?? "")
        }
    }
}

/// RFC 4648 base32 without padding, as NKeys use it.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 0x1F)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for char in text.utf8 {
            guard let value = alphabet.firstIndex(of: char) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return output
    }
}

/// CRC-16/XMODEM, the NKey checksum.
enum CRC16 {
    static func xmodem(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
