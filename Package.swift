// swift-tools-version:6.1
import PackageDescription

/// Every target is built in Swift 6 language mode with the two upcoming features
/// the codebase relies on: `any` is spelled out where it costs, and each file says
/// what it imports.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Ferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ferry", targets: ["ferry"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        .target(
            name: "FerryModel",
            swiftSettings: strictSettings
        ),
        .target(
            name: "Reports",
            dependencies: ["FerryModel"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StorageFormat",
            dependencies: ["FerryModel"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Workspace",
            dependencies: [
                "FerryModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ConfluenceExport",
            dependencies: [
                "FerryModel",
                "Workspace",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Migration",
            dependencies: [
                "FerryModel",
                "Reports",
                "Workspace",
                "ConfluenceExport",
                "StorageFormat",
                "ConfluenceCloud",
                "Transport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Transport",
            dependencies: [
                "FerryModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ConfluenceCloud",
            dependencies: [
                "FerryModel",
                "Transport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ConfluenceDataCenter",
            dependencies: [
                "FerryModel",
                "Transport",
                "Workspace",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Twins",
            dependencies: [
                "FerryModel",
                "Workspace",
                "StorageFormat",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FerryCommands",
            dependencies: [
                "FerryModel",
                "Workspace",
                "ConfluenceExport",
                "StorageFormat",
                "Transport",
                "ConfluenceCloud",
                "ConfluenceDataCenter",
                "Twins",
                "Migration",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "BenchConvert",
            dependencies: ["StorageFormat"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "BenchCloud",
            dependencies: [
                "ConfluenceCloud", "Transport", "FerryModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ferry",
            dependencies: ["FerryCommands"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WorkspaceTests",
            dependencies: ["Workspace", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MigrationTests",
            dependencies: ["Migration", "Reports", "ConfluenceCloud"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "FerryModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CloudTests",
            dependencies: [
                "ConfluenceCloud", "Transport", "Twins", "FerryModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FerryCommandsTests",
            dependencies: ["FerryCommands", "FerryModel", "Workspace", "ferry"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ConfluenceExportTests",
            dependencies: [
                "ConfluenceExport", "Workspace", "FerryModel", "FerryCommands", "ferry",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DataCenterTests",
            dependencies: [
                "ConfluenceDataCenter", "ConfluenceExport", "Twins", "Workspace", "Transport", "FerryModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StorageFormatTests",
            dependencies: ["StorageFormat", "FerryModel"],
            swiftSettings: strictSettings
        ),
    ]
)
