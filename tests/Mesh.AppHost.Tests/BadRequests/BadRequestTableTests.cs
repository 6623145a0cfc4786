using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.AppHost.Tests.BadRequests;

/// <summary>
/// Every row of <see cref="BadRequestTable"/> sent through the REST edge of the whole mesh, byte for byte as written
/// (no path canonicalisation by the client): its status, its error body <c>{"code","message","details"}</c> and its
/// headers are the contract's, and it is never a 5xx.
/// </summary>
public sealed partial class BadRequestTableTests(AppHostFixture mesh)
{
    private const string BadRequestType = "type.googleapis.com/google.rpc.BadRequest";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Rows => new(BadRequestTable.Cases.Select(c => c.Name));

    [Fact]
    public void The_table_has_at_least_60_distinct_bad_requests()
    {
        Assert.True(BadRequestTable.Cases.Count >= 60, $"{BadRequestTable.Cases.Count} rows");
        Assert.Equal(BadRequestTable.Cases.Count, BadRequestTable.Cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(BadRequestTable.Cases, c => Assert.InRange(c.Status, 400, 499));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Bad_request_gets_the_contract_status_and_error_body(string row)
    {
        var expected = BadRequestTable.Cases.Single(c => c.Name == row);
        // Rows that need no account or catalog ids do not depend on making them.
        var subjects = NeedsSubjects(expected) ? await EdgeSubjects.GetAsync(mesh.Edge, Ct) : null;
        using var client = RawClient();
        using var request = Build(expected, subjects);
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var seen = $"{expected.Method} {expected.Path} → {(int)response.StatusCode}: {(text.Length > 800 ? text[..800] + "…" : text)}";

        Assert.True((int)response.StatusCode < 500, $"5xx for bad input: {seen}");
        Assert.True(expected.Status == (int)response.StatusCode, $"expected {expected.Status}: {seen}");
        if (expected.RefusedByHttpParser) return;
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"error body not JSON: {seen}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.True(body.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number, $"no code: {seen}");
        Assert.Equal(expected.Code, code.GetInt32());
        var message = body.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        Assert.True(message.Length > 0, $"no message: {seen}");
        Assert.True(body.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array, $"no details array: {seen}");
        foreach (var fragment in expected.Message)
            Assert.True(message.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"message does not say \"{fragment}\": {seen}");

        if (expected.Field is { } field)
        {
            Assert.True(NamesField(message, field), $"message does not name {field}: {seen}");
            var violations = details.EnumerateArray()
                .Where(d => d.TryGetProperty("@type", out var t) && t.GetString() == BadRequestType)
                .SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray())
                .Select(v => v.GetProperty("field").GetString()!).ToList();
            Assert.True(violations.Any(v => IsField(v, field)), $"no google.rpc.BadRequest violation of {field}: {seen}");
        }
        if (expected.Challenge is { } challenge)
        {
            var header = response.Headers.WwwAuthenticate.ToString();
            Assert.True(header.StartsWith("Bearer", StringComparison.Ordinal) && header.Contains(challenge, StringComparison.Ordinal),
                $"WWW-Authenticate \"{header}\" is not a Bearer challenge with {challenge}: {seen}");
        }
        if (expected.Allowed is { } allowed)
            Assert.True(response.Content.Headers.Allow.Contains(allowed), $"Allow \"{string.Join(", ", response.Content.Headers.Allow)}\" lacks {allowed}: {seen}");
    }

    /// <summary>A client that sends the path as written and follows nothing (no redirects, no decompression, no cookies).</summary>
    private HttpClient RawClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            BaseAddress = mesh.Edge.BaseAddress, Timeout = TimeSpan.FromMinutes(2),
        };

    private static bool NeedsSubjects(BadRequestCase row) =>
        row.Caller is Caller.Customer or Caller.TamperedToken or Caller.UnsignedToken
        || Subject().IsMatch(row.Path) || (row.Body is not null && Subject().IsMatch(row.Body));

    private HttpRequestMessage Build(BadRequestCase row, EdgeSubjects? subjects)
    {
        var authority = mesh.Edge.BaseAddress!.GetLeftPart(UriPartial.Authority);
        var url = new Uri(authority + Fill(row.Path, subjects), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var request = new HttpRequestMessage(new HttpMethod(row.Method), url);
        if (EdgeSubjects.Authorization(row.Caller, subjects) is { } authorization) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (row.Header is var (name, value)) request.Headers.TryAddWithoutValidation(name, value);
        if (row.Body is not null)
        {
            var bytes = Bytes(Fill(row.Body, subjects));
            request.Content = row.Chunked ? new UnknownLengthContent(bytes) : new ByteArrayContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", row.ContentType);
        }
        return request;
    }

    private static string Fill(string text, EdgeSubjects? subjects)
    {
        text = text.Replace("{email}", $"row-{Guid.NewGuid():N}@example.com", StringComparison.Ordinal);
        return subjects is null ? text : text
            .Replace("{show}", subjects.Show, StringComparison.Ordinal).Replace("{service}", subjects.Service, StringComparison.Ordinal)
            .Replace("{venue}", subjects.Venue, StringComparison.Ordinal).Replace("{pm}", subjects.PaymentMethod, StringComparison.Ordinal)
            .Replace("{me}", subjects.UserName, StringComparison.Ordinal);
    }

    /// <summary>UTF-8, but each &lt;0xNN&gt; is that raw byte (how a row writes bytes that are not UTF-8).</summary>
    private static byte[] Bytes(string text)
    {
        var bytes = new List<byte>();
        var at = 0;
        foreach (Match raw in RawByte().Matches(text))
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(text[at..raw.Index]));
            bytes.Add(Convert.ToByte(raw.Groups[1].Value, 16));
            at = raw.Index + raw.Length;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(text[at..]));
        return [.. bytes];
    }

    /// <summary>The message names the field by its proto name or its JSON (lowerCamel) name.</summary>
    private static bool NamesField(string message, string field) =>
        message.Contains(field, StringComparison.OrdinalIgnoreCase) || message.Contains(LowerCamel(field), StringComparison.OrdinalIgnoreCase);

    /// <summary>A violation's field path ("user.display_name", "roles[0]") ends in the field, by either name.</summary>
    private static bool IsField(string path, string field)
    {
        var last = Index().Replace(path, "").Split('.')[^1];
        return last.Equals(field, StringComparison.OrdinalIgnoreCase) || last.Equals(LowerCamel(field), StringComparison.OrdinalIgnoreCase);
    }

    private static string LowerCamel(string snake) =>
        string.Concat(snake.Split('_').Select((part, i) => i == 0 || part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));

    [GeneratedRegex(@"\{(show|service|venue|pm|me)\}")]
    private static partial Regex Subject();

    [GeneratedRegex("<0x([0-9A-Fa-f]{2})>")]
    private static partial Regex RawByte();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Index();

    /// <summary>A body whose length is not announced, so it goes chunked without Content-Length.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
