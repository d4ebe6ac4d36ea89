extension ConfluenceCloudClient {
    /// `GET /wiki/rest/api/user/current`: the account the API token belongs to (the
    /// migrating account), for restrictions that must never be left wider than the source's.
    public func currentUser() async throws -> CloudUser {
        let reply = try await send("GET", "\(Self.v1)/user/current")
        try check(reply, "Reading the current user")
        return try decode(CloudUser.self, from: reply, "Reading the current user")
    }
}
