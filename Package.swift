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
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .target(
            name: "FerryModel",
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
            name: "FerryCommands",
            dependencies: [
                "FerryModel",
                "Workspace",
                "ConfluenceExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ferry",
            dependencies: ["FerryCommands"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FerryCommandsTests",
            dependencies: ["FerryCommands", "FerryModel", "ferry"],
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
    ]
)
