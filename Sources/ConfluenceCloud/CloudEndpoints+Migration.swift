extension ConfluenceCloudClient {
    /// `GET /wiki/rest/api/user/current`: the account the API token belongs to (the
    /// migrating account), for restrictions that must never be left wider than the source's.
    public func currentUser() async throws -> CloudUser {
        let reply = try await send("GET", "\(Self.v1)/user/current")
        try check(reply, "Reading the current user")
        return try decode(CloudUser.self, from: reply, "Reading the current user")
    }
}

extension ConfluenceCloudClient {
    /// Downloads an attachment's current bytes (`_links.download`, relative to `/wiki`).
    /// Held in memory up to the transport's response limit (64 MiB by default): a larger
    /// file throws `TransportError.responseTooLarge`, and callers compare its size instead.
    public func downloadAttachment(_ attachment: CloudAttachment) async throws -> [UInt8] {
        let path =
            attachment.downloadPath
            ?? "/download/attachments/\(attachment.containerId)/\(Self.encodePath(attachment.title))"
        let reply = try await send("GET", path.hasPrefix("/wiki") ? path : "/wiki" + path)
        try check(reply, "Downloading \(attachment.title)", id: attachment.id)
        return Array(reply.response.body.readableBytesView)
    }
}
