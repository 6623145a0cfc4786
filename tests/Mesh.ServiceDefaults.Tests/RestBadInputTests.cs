using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// A table of bad REST requests to a service's own transcoded routes: each gets its exact HTTP status, INVALID_ARGUMENT
/// and — for bad input — the field it names in a google.rpc.BadRequest and in the message, never a 5xx and never the
/// transcoder's "Request JSON payload is not correctly formatted." without a field.
/// </summary>
public sealed class RestBadInputTests(RestProbeHost host) : IClassFixture<RestProbeHost>
{
    // method, path, body (null = none), content type, HTTP status, field named (null = no violation expected), text the message must hold
    public static TheoryData<string, string, string?, string?, int, string?, string?> Cases => new()
    {
        // Path variables
        { "GET", "/v1/shelves/abc", null, null, 400, "shelf_id", "is not a 64-bit integer" },
        { "GET", "/v1/shelves/1.5", null, null, 400, "shelf_id", null },
        { "GET", "/v1/shelves/99999999999999999999", null, null, 400, "shelf_id", "at most 9223372036854775807" },
        { "GET", "/v1/shelves/-99999999999999999999", null, null, 400, "shelf_id", "at least -9223372036854775808" },
        // Query string
        { "GET", "/v1/echo/x?i32=2147483648", null, null, 400, "i32", "at most 2147483647" },
        { "GET", "/v1/shelves/1?nope=1", null, null, 400, "nope", "unknown query parameter" },
        { "GET", "/v1/shelves/1?includeBooks=yes", null, null, 400, "includeBooks", "true or false" },
        { "GET", "/v1/shelves/1?includeBooks=true&includeBooks=false", null, null, 400, "includeBooks", "more than once" },
        { "GET", "/v1/shelves/1?shelfId=2", null, null, 400, "shelfId", "bound by the URL path" },
        { "GET", "/v1/echo/x?genre=COMEDY", null, null, 400, "genre", "FICTION" },
        { "GET", "/v1/echo/x?genre=99", null, null, 400, "genre", null },
        { "GET", "/v1/echo/x?u32=-1", null, null, 400, "u32", "at least 0" },
        { "GET", "/v1/echo/x?i64=12x", null, null, 400, "i64", null },
        { "GET", "/v1/echo/x?dbl=fast", null, null, 400, "dbl", "a number" },
        { "GET", "/v1/echo/x?flt=1e300", null, null, 400, "flt", "at most 340282346638528859811704183484516925440" },
        { "GET", "/v1/echo/x?data=***", null, null, 400, "data", "base64" },
        { "GET", "/v1/echo/x?when=yesterday", null, null, 400, "when", "RFC 3339" },
        { "GET", "/v1/echo/x?wait=5", null, null, 400, "wait", null },
        { "GET", "/v1/echo/x?maybeCount=many", null, null, 400, "maybeCount", null },
        { "GET", "/v1/echo/x?inner.deeper.b=x", null, null, 400, "inner.deeper.b", null },
        { "GET", "/v1/echo/x?inner.nope=1", null, null, 400, "inner.nope", "unknown query parameter" },
        { "GET", "/v1/echo/x?inner=1", null, null, 400, "inner", "send it in the JSON body" },
        { "GET", "/v1/echo/x?counts=1", null, null, 400, "counts", "map" },
        { "GET", "/v1/echo/x?choiceText=a&choiceNumber=1", null, null, 400, "choiceNumber", "choice" },
        { "GET", "/v1/echo/x?numbers=1&numbers=two", null, null, 400, "numbers", null },
        { "POST", "/v1/shelves/3/books?book.title=x", "{}", "application/json", 400, "book.title", "bound by the request body" },
        // JSON bodies
        { "POST", "/v1/echo", "{", "application/json", 400, "(body)", "malformed JSON" },
        { "POST", "/v1/echo", "{\"id\":", "application/json", 400, "(body)", "malformed JSON" },
        { "POST", "/v1/echo", "[1,2]", "application/json", 400, "(body)", null },
        { "POST", "/v1/echo", "\"shelf\"", "application/json", 400, "(body)", null },
        { "POST", "/v1/echo", "null", "application/json", 400, "(body)", null },
        { "POST", "/v1/echo", "{\"id\":5}", "application/json", 400, "id", "a string" },
        { "POST", "/v1/echo", "{\"i64\":\"abc\"}", "application/json", 400, "i64", null },
        { "POST", "/v1/echo", "{\"i64\":1.5}", "application/json", 400, "i64", null },
        { "POST", "/v1/echo", "{\"i64\":true}", "application/json", 400, "i64", null },
        { "POST", "/v1/echo", "{\"i64\":9223372036854775808}", "application/json", 400, "i64", "at most 9223372036854775807" },
        { "POST", "/v1/echo", "{\"i64\":\"-9223372036854775809\"}", "application/json", 400, "i64", "at least -9223372036854775808" },
        { "POST", "/v1/echo", "{\"i32\":4294967296}", "application/json", 400, "i32", "at most 2147483647" },
        { "POST", "/v1/echo", "{\"u64\":-1}", "application/json", 400, "u64", "at least 0" },
        { "POST", "/v1/echo", "{\"colour\":\"red\"}", "application/json", 400, "colour", "unknown field" },
        { "POST", "/v1/echo", "{\"when\":\"not a time\"}", "application/json", 400, "when", null },
        { "POST", "/v1/echo", "{\"when\":12}", "application/json", 400, "when", null },
        { "POST", "/v1/echo", "{\"genre\":\"COMEDY\"}", "application/json", 400, "genre", "unknown Genre value 'COMEDY'" },
        { "POST", "/v1/echo", "{\"genre\":42}", "application/json", 400, "genre", null },
        { "POST", "/v1/echo", "{\"genres\":[\"POETRY\",\"EPIC\"]}", "application/json", 400, "genres[1]", null },
        { "POST", "/v1/shelves/3/books", "{\"genre\":\"COMEDY\"}", "application/json", 400, "book.genre", null },
        { "POST", "/v1/shelves/3/books", "{\"authors\":\"Keats\"}", "application/json", 400, "book.authors", "JSON array" },
        { "POST", "/v1/shelves/3/books", "{\"authors\":[\"a\",7]}", "application/json", 400, "book.authors[1]", null },
        { "POST", "/v1/shelves/3/books", "{\"authors\":[null]}", "application/json", 400, "book.authors[0]", null },
        { "POST", "/v1/shelves/3/books", "[]", "application/json", 400, "book", null },
        { "POST", "/v1/shelves/3/books", "null", "application/json", 400, "book", null },
        { "POST", "/v1/shelves/3/books", "{\"pageCount\":\"1e99\"}", "application/json", 400, "book.pageCount", null },
        { "POST", "/v1/echo", "{\"inner\":{\"deeper\":{\"b\":\"x\"}}}", "application/json", 400, "inner.deeper.b", null },
        { "POST", "/v1/echo", "{\"inner\":{\"values\":[1,\"2x\"]}}", "application/json", 400, "inner.values[1]", null },
        { "POST", "/v1/echo", "{\"inners\":[{},{\"nope\":1}]}", "application/json", 400, "inners[1].nope", null },
        { "POST", "/v1/echo", "{\"counts\":{\"a\":\"b\"}}", "application/json", 400, "counts[\"a\"]", null },
        { "POST", "/v1/echo", "{\"counts\":[1]}", "application/json", 400, "counts", null },
        { "POST", "/v1/echo", "{\"flag\":\"true\"}", "application/json", 400, "flag", null },
        { "POST", "/v1/echo", "{\"data\":\"***\"}", "application/json", 400, "data", "base64" },
        { "POST", "/v1/echo", "{\"wait\":\"soon\"}", "application/json", 400, "wait", null },
        { "POST", "/v1/echo", "{\"mask\":5}", "application/json", 400, "mask", null },
        { "POST", "/v1/echo", "{\"mask\":\"maybe_count\"}", "application/json", 400, "mask", "field paths" },
        { "POST", "/v1/echo", "{\"choiceText\":\"a\",\"choiceNumber\":1}", "application/json", 400, "choiceNumber", "'choiceText' is already set" },
        { "POST", "/v1/echo", "{\"dbl\":\"fast\"}", "application/json", 400, "dbl", null },
        { "POST", "/v1/echo", "{\"flt\":1e39}", "application/json", 400, "flt", "at most" },
        { "POST", "/v1/echo", "{\"id\":\"\\ud800\"}", "application/json", 400, "id", "not valid Unicode" },
        // Numbers that are not whole, and the one proto3 JSON form the transcoder cannot read in any spelling
        { "POST", "/v1/echo", "{\"i32\":1.5}", "application/json", 400, "i32", "has a fraction" },
        { "POST", "/v1/echo", "{\"i64\":\"5.5\"}", "application/json", 400, "i64", "has a fraction" },
        { "POST", "/v1/echo", "{\"i32\":1e10}", "application/json", 400, "i32", "at most 2147483647" },
        { "POST", "/v1/echo", "{\"i32\":\" 5\"}", "application/json", 400, "i32", null },
        { "POST", "/v1/echo", "{\"data\":\"aGk==\"}", "application/json", 400, "data", "base64" },
        { "POST", "/v1/echo", "{\"data\":\"a\"}", "application/json", 400, "data", "base64" },
        { "POST", "/v1/echo", "{\"wait\":\"-1.5s\"}", "application/json", 400, "wait", "whole seconds" },
        { "POST", "/v1/echo", "{\"numbers\":[null]}", "application/json", 400, "numbers[0]", "cannot be null" },
        { "POST", "/v1/echo", "{\"choiceNumber\":7,\"choiceText\":null}", "application/json", 400, "choiceText", "already set" },
        { "POST", "/v1/echo", "{\"genre\":\"2\"}", "application/json", 400, "genre", "unknown Genre value" },
        { "GET", "/v1/echo/x?data=a", null, null, 400, "data", "base64" },
        { "POST", "/v1/echo", new string('[', 200) + new string(']', 200), "application/json", 400, "(body)", "nested deeper than 64" },
        { "POST", "/v1/echo", new string('[', 65) + new string(']', 65), "application/json", 400, "(body)", "nested deeper than 64" },
        { "POST", "/v1/trees", Tree(70), "application/json", 400, "(body)", "nested deeper than 64" },
        // Media type and size
        { "POST", "/v1/echo", "id=x", "application/x-www-form-urlencoded", 415, null, "application/json" },
        { "POST", "/v1/echo", "{}", "text/plain", 415, null, null },
        { "POST", "/v1/echo", "{}", "application/json; charset=utf-16", 415, null, "UTF-8" },
        { "POST", "/v1/echo", "{\"id\":\"" + new string('x', (int)RestProbeHost.BodyLimit) + "\"}", "application/json", 413, "(body)", null },
    };

    /// <summary>{"name":"n","child":{…}} nested <paramref name="depth"/> times.</summary>
    private static string Tree(int depth)
    {
        var json = new StringBuilder();
        for (var i = 0; i < depth; i++) json.Append("{\"name\":\"n\",\"child\":");
        json.Append("{}");
        json.Append('}', depth);
        return json.ToString();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_gets_exact_status_and_error_body(string method, string path, string? body, string? contentType,
        int status, string? field, string? says)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType!);
        }
        await AssertRefusedAsync(request, status, field, says);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_string_names_its_field()
    {
        byte[] body = [.. "{\"inner\":{\"a\":\""u8, 0xC3, 0x28, .. "\"}}"u8];
        using var request = Json("/v1/echo", body);
        await AssertRefusedAsync(request, 400, "inner.a", "not valid Unicode");
    }

    [Fact]
    public async Task Invalid_utf8_in_a_field_name_names_the_object()
    {
        byte[] body = [.. "{\"inner\":{\""u8, 0xFF, .. "\":1}}"u8];
        using var request = Json("/v1/echo", body);
        await AssertRefusedAsync(request, 400, "inner", "field name or map key");
    }

    [Fact]
    public async Task Invalid_utf8_outside_strings_is_a_bad_body()
    {
        byte[] body = [.. "{\"id\":\"x\"}"u8, 0xFF];
        using var request = Json("/v1/echo", body);
        await AssertRefusedAsync(request, 400, "(body)", null);
    }

    [Fact]
    public void The_table_has_at_least_60_bad_requests() => Assert.True(Cases.Count >= 60);

    private static HttpRequestMessage Json(string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    private async Task AssertRefusedAsync(HttpRequestMessage request, int status, string? field, string? says)
    {
        var response = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(3, json.GetProperty("code").GetInt32());
        var message = json.GetProperty("message").GetString()!;
        Assert.DoesNotContain("not correctly formatted", message);
        if (says is not null) Assert.Contains(says, message);
        var details = json.GetProperty("details");
        if (field is null) return;
        var detail = Assert.Single(details.EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
        Assert.Equal(field, detail.GetProperty("fieldViolations")[0].GetProperty("field").GetString());
        if (status == 400) Assert.Contains(field, message);
    }
}
