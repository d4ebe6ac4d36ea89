import Foundation
import Transport

/// Checks a request against an OpenAPI 3 description: the path template and method
/// exist, every query parameter sent is declared, every required query parameter is
/// sent, and a JSON body carries the required fields of its schema.
struct SpecChecker {
    let spec: [String: Any]
    /// Prefix the spec's paths are relative to ("/wiki/api/v2" for v2; "" when the spec's paths carry it).
    let prefix: String

    init(specFile: URL, prefix: String) throws {
        let data = try Data(contentsOf: specFile)
        spec = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        self.prefix = prefix
    }

    init(spec: [String: Any], prefix: String) {
        self.spec = spec
        self.prefix = prefix
    }

    var paths: [String: Any] { spec["paths"] as? [String: Any] ?? [:] }

    func handles(_ path: String) -> Bool { path.hasPrefix(prefix) }

    func resolve(_ value: Any?) -> [String: Any]? {
        guard var object = value as? [String: Any] else { return nil }
        var depth = 0
        while let ref = object["$ref"] as? String, depth < 10 {
            var node: Any? = spec
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            guard let resolved = node as? [String: Any] else { return nil }
            object = resolved
            depth += 1
        }
        return object
    }

    /// Problems with `request`; empty when it conforms.
    func problems(_ request: TransportRequest) -> [String] {
        guard let components = URLComponents(string: request.url) else { return ["unparseable URL \(request.url)"] }
        let path = String(components.path.dropFirst(prefix.count))
        let segments = path.split(separator: "/").map(String.init)
        let method = request.method.lowercased()
        var candidates: [(String, [String: Any])] = []
        for (template, item) in paths {
            let parts = template.split(separator: "/").map(String.init)
            guard parts.count == segments.count else { continue }
            let matches = zip(parts, segments).allSatisfy {
                $0.hasPrefix("{") || $0 == $1.removingPercentEncoding ?? $1 || $0 == $1
            }
            if matches, let object = item as? [String: Any] { candidates.append((template, object)) }
        }
        // Prefer the template with the most literal segments.
        candidates.sort { a, b in a.0.filter { $0 == "{" }.count < b.0.filter { $0 == "{" }.count }
        guard let (template, item) = candidates.first else {
            return ["\(request.method) \(path): no such path in the spec"]
        }
        guard let operation = item[method] as? [String: Any] else {
            return ["\(request.method) \(template): the spec has no \(request.method) here"]
        }
        var problems: [String] = []
        let parameters = ((item["parameters"] as? [Any] ?? []) + (operation["parameters"] as? [Any] ?? [])).compactMap(
            resolve)
        let queryParameters = parameters.filter { $0["in"] as? String == "query" }
        let declared = Set(queryParameters.compactMap { $0["name"] as? String })
        let sent = Set((components.queryItems ?? []).map(\.name))
        for name in sent where !declared.contains(name) {
            problems.append("\(request.method) \(template): query parameter '\(name)' is not declared")
        }
        for parameter in queryParameters where parameter["required"] as? Bool == true {
            if let name = parameter["name"] as? String, !sent.contains(name) {
                problems.append("\(request.method) \(template): required query parameter '\(name)' is missing")
            }
        }
        let contentType = request.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? ""
        if let requestBody = resolve(operation["requestBody"]), let content = requestBody["content"] as? [String: Any] {
            if contentType.hasPrefix("multipart/form-data") {
                if content["multipart/form-data"] == nil {
                    problems.append("\(request.method) \(template): multipart body not accepted")
                }
            } else if let media = content["application/json"] as? [String: Any] ?? content.values.first
                as? [String: Any],
                let schema = resolve(media["schema"])
            {
                if case .bytes(let buffer)? = request.body,
                    let body = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
                {
                    problems += missingFields(body, schema: schema, at: "\(request.method) \(template) body")
                } else if requestBody["required"] as? Bool == true {
                    problems.append("\(request.method) \(template): required body is missing")
                }
            }
        } else if request.body != nil, !contentType.isEmpty {
            problems.append("\(request.method) \(template): the spec declares no request body")
        }
        return problems
    }

    func missingFields(_ value: Any, schema: [String: Any], at path: String) -> [String] {
        if let all = schema["allOf"] as? [Any] {
            return all.compactMap(resolve).flatMap { missingFields(value, schema: $0, at: path) }
        }
        if let array = value as? [Any], let items = resolve(schema["items"]) {
            return array.flatMap { missingFields($0, schema: items, at: path + "[]") }
        }
        guard let object = value as? [String: Any] else { return [] }
        var problems: [String] = []
        for field in schema["required"] as? [String] ?? [] where object[field] == nil {
            problems.append("\(path): required field '\(field)' is missing")
        }
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for (key, child) in object {
            if let childSchema = resolve(properties[key]) {
                problems += missingFields(child, schema: childSchema, at: "\(path).\(key)")
            }
        }
        return problems
    }
}

/// The operations the client uses, as a minimal OpenAPI document written for Ferry's
/// tests (from the published API facts), so the check runs without ../shared.
enum FerryOperationsSpec {
    static func v2() -> [String: Any] {
        func op(_ query: [String], required: [String] = [], body: [String]? = nil) -> [String: Any] {
            var operation: [String: Any] = [
                "parameters": query.map { ["name": $0, "in": "query", "required": required.contains($0)] }
            ]
            if let body {
                operation["requestBody"] = [
                    "required": true,
                    "content": ["application/json": ["schema": ["type": "object", "required": body]]],
                ]
            }
            return operation
        }
        let paging = ["limit", "cursor", "body-format"]
        return [
            "paths": [
                "/spaces": ["get": op(["keys", "ids"] + paging)],
                "/pages": [
                    "get": op(["space-id", "title", "status", "id"] + paging),
                    "post": op(["root-level", "private", "embedded"], body: ["spaceId"]),
                ],
                "/blogposts": [
                    "get": op(["space-id", "title", "status", "id"] + paging), "post": op([], body: ["spaceId"]),
                ],
                "/pages/{id}": [
                    "get": op(["body-format", "version"]),
                    "put": op([], body: ["id", "status", "title", "body", "version"]),
                ],
                "/blogposts/{id}": [
                    "get": op(["body-format"]), "put": op([], body: ["id", "status", "title", "body", "version"]),
                ],
                "/pages/{id}/children": ["get": op(paging)],
                "/pages/{id}/labels": ["get": op(["prefix"] + paging)],
                "/pages/{id}/footer-comments": ["get": op(paging)],
                "/pages/{id}/inline-comments": ["get": op(paging)],
                "/footer-comments": ["post": op([], body: ["body"])],
                "/inline-comments": ["post": op([], body: ["body"])],
                "/attachments/{id}": ["get": op([])],
                "/pages/{page-id}/properties": ["get": op(["key"] + paging), "post": op([], body: ["key", "value"])],
                "/pages/{page-id}/properties/{property-id}": ["put": op([], body: ["key", "value", "version"])],
                "/users-bulk": ["post": op([], body: ["accountIds"])],
            ]
        ]
    }

    static func v1() -> [String: Any] {
        func op(
            _ query: [String], required: [String] = [], body: [String]? = nil, multipart: Bool = false
        ) -> [String: Any] {
            var operation: [String: Any] = [
                "parameters": query.map { ["name": $0, "in": "query", "required": required.contains($0)] }
            ]
            if let body {
                operation["requestBody"] = [
                    "content": ["application/json": ["schema": ["type": "object", "required": body]]]
                ]
            }
            if multipart {
                operation["requestBody"] = ["content": ["multipart/form-data": ["schema": ["type": "object"]]]]
            }
            return operation
        }
        return [
            "paths": [
                "/wiki/rest/api/space": ["post": op([], body: ["key", "name"])],
                "/wiki/rest/api/content/{pageId}/move/{position}/{targetId}": ["put": op([])],
                "/wiki/rest/api/content/{id}/label": ["post": op([], body: [])],
                "/wiki/rest/api/content/{id}/child/attachment": [
                    "get": op(["expand", "start", "limit", "filename", "mediaType"]),
                    "post": op(["status"], multipart: true), "put": op(["status"], multipart: true),
                ],
                "/wiki/rest/api/content/{id}/restriction": ["put": op(["expand"], body: [])],
                "/wiki/rest/api/content/{id}/restriction/byOperation": ["get": op(["expand"])],
                "/wiki/rest/api/space/{spaceKey}/permission": ["post": op([], body: ["subject", "operation"])],
                "/wiki/rest/api/user/bulk/migration": ["get": op(["username", "key", "start", "limit"])],
            ]
        ]
    }
}
