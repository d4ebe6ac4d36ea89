import Crypto
import FerryModel
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import Transport
import X509

/// Certificates made for the test: a CA, and leaf certificates it (or nobody) signs.
struct TestPKI {
    let caKey = P256.Signing.PrivateKey()
    let caName: DistinguishedName
    let ca: Certificate
    let folder: URL

    init() throws {
        caName = try DistinguishedName { CommonName("Ferry Test CA") }
        ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            }, issuerPrivateKey: .init(caKey))
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ca.serializeAsPEM().pemString.write(to: caBundle, atomically: true, encoding: .utf8)
    }

    var caBundle: URL { folder.appendingPathComponent("ca.pem") }

    /// A server certificate and key for `host`: signed by the CA unless `selfSigned`, valid in `validity`.
    func leaf(
        host: String, selfSigned: Bool = false, validity: ClosedRange<Date>? = nil
    ) throws -> (
        NIOSSLCertificate, NIOSSLPrivateKey
    ) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(host) }
        let range = validity ?? Date().addingTimeInterval(-3600)...Date().addingTimeInterval(86_400)
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: range.lowerBound, notValidAfter: range.upperBound,
            issuer: selfSigned ? name : caName, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName(host)])
                try ExtendedKeyUsage([.serverAuth])
            }, issuerPrivateKey: .init(selfSigned ? key : caKey))
        return (
            try NIOSSLCertificate(bytes: Array(try certificate.serializeAsPEM().pemString.utf8), format: .pem),
            try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        )
    }
}

/// A loopback server: TLS with the given certificate, or (without one) a listener that
/// accepts and never says anything.
final class LoopbackServer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(certificate: (NIOSSLCertificate, NIOSSLPrivateKey)?) async throws {
        let context = try certificate.map {
            try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: [.certificate($0.0)], privateKey: .privateKey($0.1)))
        }
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if let context {
                        try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() async { try? await channel.close() }
}

/// A port nothing listens on.
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}

/// Serialized, with a generous timeout: a debug-build TLS handshake on a loaded two-core
/// machine can take seconds; only the timeout test wants a short one.
@Suite("connectivity probe against loopback servers", .serialized)
struct ConnectivityProbeTests {
    let pki: TestPKI

    init() throws { pki = try TestPKI() }

    func probe(
        _ url: String, caBundle: Bool = true, proxy: String? = nil, timeout: Duration = .seconds(30)
    )
        async throws -> ConnectivityProbe.Result
    {
        let configuration = TransportConfiguration(proxyURL: proxy, caBundlePath: caBundle ? pki.caBundle.path : nil)
        let endpoint = try #require(URL(string: url))
        return try await ConnectivityProbe(configuration: configuration, timeout: timeout).probe(endpoint)
    }

    @Test("a certificate from a trusted CA (the CA bundle) is reachable")
    func trusted() async throws {
        let server = try await LoopbackServer(certificate: try pki.leaf(host: "localhost"))
        let result = try await probe("https://localhost:\(server.port)")
        await server.close()
        #expect(result.outcome == .reachable(tls: true))
        // Without the bundle the same server is untrusted: the bundle is what made the difference.
        let again = try await LoopbackServer(certificate: try pki.leaf(host: "localhost"))
        let untrusted = try await probe("https://localhost:\(again.port)", caBundle: false)
        await again.close()
        guard case .untrusted(_, let issuer, let selfSigned) = untrusted.outcome else {
            Issue.record("expected untrusted, got \(untrusted.outcome)")
            return
        }
        #expect(issuer.contains("Ferry Test CA"))
        #expect(!selfSigned)
    }

    @Test("a refused connection is told apart from a timeout")
    func refusedAndTimeout() async throws {
        let port = try await closedPort()
        let refused = try await probe("https://localhost:\(port)")
        guard case .refused = refused.outcome else {
            Issue.record("expected refused, got \(refused.outcome)")
            return
        }
        let silent = try await LoopbackServer(certificate: nil)
        let timedOut = try await probe("https://localhost:\(silent.port)", timeout: .seconds(1))
        await silent.close()
        #expect(timedOut.outcome == .timeout(stage: "TLS handshake"))
        #expect(timedOut.milliseconds >= 900)
    }

    @Test("a self-signed certificate is untrusted and named self-signed")
    func selfSigned() async throws {
        let server = try await LoopbackServer(certificate: try pki.leaf(host: "localhost", selfSigned: true))
        let result = try await probe("https://localhost:\(server.port)")
        await server.close()
        guard case .untrusted(let subject, _, let selfSigned) = result.outcome else {
            Issue.record("expected untrusted, got \(result.outcome)")
            return
        }
        #expect(selfSigned)
        #expect(subject.contains("localhost"))
    }

    @Test("an expired certificate is reported as expired, with its date")
    func expired() async throws {
        let past = Date().addingTimeInterval(-30 * 86_400)...Date().addingTimeInterval(-86_400)
        let server = try await LoopbackServer(certificate: try pki.leaf(host: "localhost", validity: past))
        let result = try await probe("https://localhost:\(server.port)")
        await server.close()
        guard case .expired(_, let notAfter) = result.outcome else {
            Issue.record("expected expired, got \(result.outcome)")
            return
        }
        #expect(abs(notAfter.timeIntervalSince(past.upperBound)) < 2)
    }

    @Test("a trusted certificate for another name is an SNI / host-name problem")
    func hostnameMismatch() async throws {
        let server = try await LoopbackServer(certificate: try pki.leaf(host: "other.ferry.invalid"))
        let result = try await probe("https://localhost:\(server.port)")
        await server.close()
        #expect(result.outcome == .hostnameMismatch(host: "localhost", names: ["other.ferry.invalid"]))
    }

    @Test("through a real CONNECT proxy (tinyproxy): tunnels, TLS checks through the tunnel, refusals, a dead proxy")
    func throughProxy() async throws {
        guard
            let tinyproxy = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            print("tinyproxy is not installed: the CONNECT proxy test is skipped (apt-get install tinyproxy)")
            return
        }
        let trusted = try await LoopbackServer(certificate: try pki.leaf(host: "localhost"))
        let selfSigned = try await LoopbackServer(certificate: try pki.leaf(host: "localhost", selfSigned: true))
        let forbidden = try await LoopbackServer(certificate: try pki.leaf(host: "localhost"))
        let proxyPort = try await closedPort()
        let configuration = pki.folder.appendingPathComponent("tinyproxy.conf")
        try """
        Port \(proxyPort)
        Listen 127.0.0.1
        Timeout 30
        MaxClients 20
        Allow 127.0.0.1
        ConnectPort \(trusted.port)
        ConnectPort \(selfSigned.port)
        LogLevel Error

        """.write(to: configuration, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tinyproxy)
        process.arguments = ["-d", "-c", configuration.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // tinyproxy in the foreground ignores SIGTERM: stop it for good.
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Wait until the proxy listens.
        var ready = false
        for _ in 0..<200 where !ready {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: proxyPort).get()
            {
                try? await channel.close()
                ready = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try #require(ready, "tinyproxy did not start listening on \(proxyPort)")
        let proxy = "http://127.0.0.1:\(proxyPort)"

        let ok = try await probe("https://localhost:\(trusted.port)", proxy: proxy)
        #expect(ok.outcome == .reachable(tls: true))
        #expect(ok.proxy == proxy)
        let tunnelled = try await probe("https://localhost:\(selfSigned.port)", proxy: proxy)
        if case .untrusted(_, _, let isSelfSigned) = tunnelled.outcome {
            #expect(isSelfSigned)
        } else {
            Issue.record("expected untrusted through the tunnel, got \(tunnelled.outcome)")
        }
        let refused = try await probe("https://localhost:\(forbidden.port)", proxy: proxy)
        if case .proxyRefused(_, let status, _) = refused.outcome {
            #expect(status == 403)
        } else {
            Issue.record("expected the proxy to refuse CONNECT, got \(refused.outcome)")
        }
        let deadProxy = "http://127.0.0.1:\(try await closedPort())"
        let dead = try await probe("https://localhost:\(trusted.port)", proxy: deadProxy)
        if case .proxyUnreachable(let shown, _) = dead.outcome {
            #expect(shown == deadProxy)
        } else {
            Issue.record("expected an unreachable proxy, got \(dead.outcome)")
        }
        await trusted.close()
        await selfSigned.close()
        await forbidden.close()
    }

    @Test("an unusable CA bundle is a typed error naming the file")
    func badBundle() async throws {
        let path = pki.folder.appendingPathComponent("empty.pem")
        try "not a certificate".write(to: path, atomically: true, encoding: .utf8)
        let probe = ConnectivityProbe(configuration: TransportConfiguration(caBundlePath: path.path))
        await #expect(throws: TransportError.self) {
            _ = try await probe.probeAll([URL(fileURLWithPath: "/")])
        }
    }
}
