using System.Text;

namespace Mesh.Ads.Campaigns;

/// <summary>Keyset page tokens of campaign listings: base64url of the owner filter and the last campaign id (v7, newest first).</summary>
public static class PageTokens
{
    public static string Campaigns(string owner, Guid last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"c|{owner}|{last:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The last id of the previous page, or null when the token is not one of this owner's listing.</summary>
    public static Guid? ParseCampaigns(string token, string owner)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(s)).Split('|');
            return parts is ["c", var o, var id] && o == owner && Guid.TryParseExact(id, "N", out var last) ? last : null;
        }
        catch (FormatException) { return null; }
    }
}
