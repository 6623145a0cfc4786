namespace Mesh.AppHost.Tests.BadRequests;

/// <summary>Who a bad request claims to be: its Authorization header.</summary>
public enum Caller
{
    /// <summary>No Authorization header.</summary>
    Anonymous,
    /// <summary>A freshly registered customer's valid token.</summary>
    Customer,
    /// <summary>"Bearer" and nothing after it.</summary>
    EmptyBearer,
    /// <summary>"Bearer not-a-jwt".</summary>
    GarbageToken,
    /// <summary>"Basic …": the wrong scheme.</summary>
    BasicScheme,
    /// <summary>The customer's token with its signature altered.</summary>
    TamperedToken,
    /// <summary>The customer's claims, unsigned ("alg": "none").</summary>
    UnsignedToken,
}

/// <summary>
/// One bad request through the edge and the answer the public contract gives it. Paths and bodies may name
/// {show}, {service}, {venue}, {pm} (the customer's card) and {me} (users/{uuid} of the customer); a body may hold
/// raw bytes as &lt;0xFF&gt;.
/// </summary>
public sealed record BadRequestCase(string Name, string Method, string Path, Caller Caller, int Status, int Code)
{
    /// <summary>The request body (UTF-8 but for &lt;0xNN&gt; bytes), or null for none.</summary>
    public string? Body { get; init; }

    public string ContentType { get; init; } = "application/json";

    /// <summary>Send the body chunked, without Content-Length.</summary>
    public bool Chunked { get; init; }

    public (string Name, string Value)? Header { get; init; }

    /// <summary>Fragments the error message must contain (case-insensitive): the field, route or limit it is about.</summary>
    public string[] Message { get; init; } = [];

    /// <summary>The field a google.rpc.BadRequest detail must name (its proto or JSON name, possibly under a parent).</summary>
    public string? Field { get; init; }

    /// <summary>For 401: a fragment of the WWW-Authenticate challenge.</summary>
    public string? Challenge { get; init; }

    /// <summary>For 405: a method the Allow header must list.</summary>
    public string? Allowed { get; init; }

    /// <summary>
    /// Kestrel's HTTP parser refuses the request line itself (a NUL in the decoded path) with a bare 400 before any
    /// code of the edge runs, so there is no error body to pin: only the status.
    /// </summary>
    public bool RefusedByHttpParser { get; init; }

    public override string ToString() => Name;
}
