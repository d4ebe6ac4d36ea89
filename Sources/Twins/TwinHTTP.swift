import Foundation

/// One request as the twin's handlers see it: decoded path parameters, query and body.
struct TwinRequest: Sendable {
    var method: String
    var path: String
    var params: [String: String]
    var query: [(String, String)]
    var headers: [String: String]
    var body: [UInt8]
    /// `http://host:port/wiki`, for `_links.base`.
    var base: String

    func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
    /// All values of a repeated or comma-separated parameter.
    func queryList(_ name: String) -> [String] {
        query.filter { $0.0 == name }.flatMap { $0.1.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
    }

    func intParam(_ name: String) throws -> Int {
        guard let text = params[name], let value = Int(text), value >= 0 else {
            throw APIFailure.badRequest("'\(params[name] ?? "")' is not a valid id for \(name).")
        }
        return value
    }

    func json() throws -> JSONValue {
        guard !body.isEmpty else { throw APIFailure.badRequest("The request has no body.") }
        do { return try JSONValue.parse(Data(body)) } catch {
            throw APIFailure.badRequest("The request body is not valid JSON.")
        }
    }

    func limit(default value: Int = 25, max maximum: Int = 250) throws -> Int {
        guard let text = query("limit") else { return value }
        guard let limit = Int(text), limit >= 1 else { throw APIFailure.badRequest("limit must be a positive number.") }
        return min(limit, maximum)
    }
}

struct TwinResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> TwinResponse {
        TwinResponse(
            status: status, headers: [("Content-Type", "application/json;charset=UTF-8")] + headers,
            body: Array(value.serialized().utf8))
    }

    static func empty(_ status: Int = 204) -> TwinResponse { TwinResponse(status: status, headers: [], body: []) }
}

/// Opaque cursors: the id after which the next page starts.
enum Cursor {
    static func encode(_ id: Int) -> String {
        Data("after:\(id)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String?) throws -> Int? {
        guard let text, !text.isEmpty else { return nil }
        var padded = text
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("after:"), let id = Int(decoded.dropFirst(6))
        else { throw APIFailure.badRequest("The cursor '\(text)' is invalid.") }
        return id
    }

    /// Pages `items` (sorted by id) after the request's cursor; adds `_links.next` and a Link header.
    static func page(
        _ items: [(id: Int, json: JSONValue)], request: TwinRequest, defaultLimit: Int = 25, maxLimit: Int = 250
    ) throws -> TwinResponse {
        let limit = try request.limit(default: defaultLimit, max: maxLimit)
        let after = try decode(request.query("cursor"))
        let remaining = items.filter { after == nil || $0.id > (after ?? 0) }
        let slice = Array(remaining.prefix(limit))
        var links: [String: JSONValue] = ["base": .string(request.base)]
        var headers: [(String, String)] = []
        if remaining.count > limit, let last = slice.last {
            var query = request.query.filter { $0.0 != "cursor" }
            query.append(("cursor", encode(last.id)))
            var components = URLComponents()
            components.path = request.path.hasPrefix("/wiki") ? String(request.path.dropFirst(5)) : request.path
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            let next = "/wiki" + (components.string ?? "")
            links["next"] = .string(next)
            headers.append(("Link", "<\(next)>; rel=\"next\", <\(request.base)>; rel=\"base\""))
        }
        return .json(["results": .array(slice.map(\.json)), "_links": .object(links)], headers: headers)
    }
}
