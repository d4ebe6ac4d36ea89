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

extension ConfluenceCloudClient {
    /// Deletes a page or blog post: moves it to the trash, then purges it from there.
    /// Already gone (404) counts as done, so a wipe can be repeated.
    public func deleteContent(id: String, blogPost: Bool = false) async throws {
        let path = "\(Self.v2)/\(Self.collection(blogPost))/\(id)"
        let trash = try await send("DELETE", path)
        if trash.status == 404 { return }
        try check(trash, "Deleting \(blogPost ? "blog post" : "page") \(id)", id: id)
        let purge = try await send("DELETE", path + "?purge=true")
        if purge.status == 404 { return }
        try check(purge, "Purging \(blogPost ? "blog post" : "page") \(id)", id: id)
    }

    /// Moves a page or blog post to the trash (`DELETE /wiki/api/v2/pages/{id}` without
    /// `purge`), where a space admin can still restore it. Already gone (404) counts as done.
    public func trashContent(id: String, blogPost: Bool = false) async throws {
        let reply = try await send("DELETE", "\(Self.v2)/\(Self.collection(blogPost))/\(id)")
        if reply.status == 404 { return }
        try check(reply, "Trashing \(blogPost ? "blog post" : "page") \(id)", id: id)
    }

    /// `DELETE /wiki/api/v2/attachments/{id}`; 404 counts as done.
    public func deleteAttachment(id: String) async throws {
        let reply = try await send("DELETE", "\(Self.v2)/attachments/\(id)")
        if reply.status == 404 { return }
        try check(reply, "Deleting attachment \(id)", id: id)
    }

    /// `DELETE /wiki/api/v2/{footer|inline}-comments/{id}`; 404 counts as done.
    public func deleteComment(id: String, location: String) async throws {
        let reply = try await send("DELETE", "\(Self.v2)/\(location == "inline" ? "inline" : "footer")-comments/\(id)")
        if reply.status == 404 { return }
        try check(reply, "Deleting comment \(id)", id: id)
    }

    /// `GET /wiki/api/v2/spaces/{id}/pages` (and blog posts): every current page of a space.
    public func contents(spaceId: String, blogPosts: Bool = false) async throws -> [CloudContent] {
        let items = try await collect(
            "\(Self.v2)/spaces/\(spaceId)/\(Self.collection(blogPosts))" + Self.query([("limit", "250")]),
            "Listing the content of space \(spaceId)")
        return try decodeArray(CloudContent.self, items, "Listing the content of space \(spaceId)")
    }

    /// `DELETE /wiki/rest/api/space/{key}`: Cloud deletes the space (and whatever is left in it)
    /// in a long-running task; 404 counts as done.
    public func deleteSpace(key: String) async throws {
        let reply = try await send("DELETE", "\(Self.v1)/space/\(Self.encodePath(key))")
        if reply.status == 404 { return }
        try check(reply, "Deleting space \(key)")
    }
}
