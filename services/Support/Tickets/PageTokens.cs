namespace Mesh.Support.Tickets;

/// <summary>List page tokens: the last ticket id of the previous page, opaque to clients (base64url of its bytes).</summary>
public static class PageTokens
{
    public static string For(Guid lastId) => Convert.ToBase64String(lastId.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The id in a token, null for none; INVALID_ARGUMENT naming page_token when it is not one of ours.</summary>
    public static Guid? Parse(string token)
    {
        if (token.Length == 0) return null;
        try
        {
            var bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "==");
            if (bytes.Length == 16) return new Guid(bytes);
        }
        catch (FormatException) { }
        new FieldViolations().Add("page_token", "is not a token this listing returned").ThrowIfAny();
        return null;
    }
}
