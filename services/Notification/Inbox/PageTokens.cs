namespace Mesh.Notification.Inbox;

/// <summary>List page tokens: the arrival number of the previous page's last notification, opaque to clients (base64url).</summary>
public static class PageTokens
{
    public static string For(long lastSeq) =>
        Convert.ToBase64String(BitConverter.GetBytes(lastSeq)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The number in a token, null for none; INVALID_ARGUMENT naming page_token when it is not one of ours.</summary>
    public static long? Parse(string token)
    {
        if (token.Length == 0) return null;
        try
        {
            var bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=");
            if (bytes.Length == 8 && BitConverter.ToInt64(bytes) is > 0 and var seq) return seq;
        }
        catch (FormatException) { }
        new FieldViolations().Add("page_token", "is not a token this listing returned").ThrowIfAny();
        return null;
    }
}
