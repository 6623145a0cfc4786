using System.Text;
using System.Text.Json;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>
/// A table of bad requests: each gets its exact HTTP status, gRPC code and (for bad input) the field it names in
/// a google.rpc.BadRequest detail — and none of them a 5xx.
/// </summary>
public sealed class BadRequestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    // method, path, body (null = none), content type, HTTP status, gRPC code, field named (null = no violation expected)
    public static TheoryData<string, string, string?, string?, int, int, string?> Cases => new()
    {
        // Routing
        { "GET", "/nope", null, null, 404, 5, null },
        { "GET", "/v1", null, null, 404, 5, null },
        { "GET", "/v1/shelves", null, null, 405, 12, null },
        { "DELETE", "/v1/shelves/1", null, null, 405, 12, null },
        { "POST", "/v1/shelves/1/books/2", "{}", "application/json", 405, 12, null },
        { "GET", "/v1/loans/l1:cancel", null, null, 405, 12, null },
        { "POST", "/v1/loans/l1:refund", "{}", "application/json", 404, 5, null },
        { "GET", "/v1/shelves/1/books", null, null, 200, 0, null }, // control: the good neighbour works
        // Path variables
        { "GET", "/v1/shelves/abc", null, null, 400, 3, "shelf_id" },
        { "GET", "/v1/shelves/1.5", null, null, 400, 3, "shelf_id" },
        { "GET", "/v1/shelves/99999999999999999999", null, null, 400, 3, "shelf_id" },
        { "GET", "/v1/echo/x?i32=2147483648", null, null, 400, 3, "i32" },
        // Query string
        { "GET", "/v1/shelves/1?nope=1", null, null, 400, 3, "nope" },
        { "GET", "/v1/shelves/1?includeBooks=yes", null, null, 400, 3, "includeBooks" },
        { "GET", "/v1/shelves/1?includeBooks=true&includeBooks=false", null, null, 400, 3, "includeBooks" },
        { "GET", "/v1/shelves/1?shelfId=2", null, null, 400, 3, "shelfId" },
        { "GET", "/v1/echo/x?genre=COMEDY", null, null, 400, 3, "genre" },
        { "GET", "/v1/echo/x?genre=99", null, null, 400, 3, "genre" },
        { "GET", "/v1/echo/x?u32=-1", null, null, 400, 3, "u32" },
        { "GET", "/v1/echo/x?i64=12x", null, null, 400, 3, "i64" },
        { "GET", "/v1/echo/x?dbl=fast", null, null, 400, 3, "dbl" },
        { "GET", "/v1/echo/x?flt=1e300", null, null, 400, 3, "flt" },
        { "GET", "/v1/echo/x?data=%%%", null, null, 400, 3, "data" },
        { "GET", "/v1/echo/x?when=yesterday", null, null, 400, 3, "when" },
        { "GET", "/v1/echo/x?wait=5", null, null, 400, 3, "wait" },
        { "GET", "/v1/echo/x?maybeCount=many", null, null, 400, 3, "maybeCount" },
        { "GET", "/v1/echo/x?inner.deeper.b=x", null, null, 400, 3, "inner.deeper.b" },
        { "GET", "/v1/echo/x?inner.nope=1", null, null, 400, 3, "inner.nope" },
        { "GET", "/v1/echo/x?inner=1", null, null, 400, 3, "inner" },
        { "GET", "/v1/echo/x?counts=1", null, null, 400, 3, "counts" },
        { "GET", "/v1/echo/x?choiceText=a&choiceNumber=1", null, null, 400, 3, "choiceNumber" },
        { "GET", "/v1/echo/x?numbers=1&numbers=two", null, null, 400, 3, "numbers" },
        { "POST", "/v1/shelves/3/books?book.title=x", "{}", "application/json", 400, 3, "book.title" },
        // JSON bodies
        { "POST", "/v1/shelves", "{", "application/json", 400, 3, "(body)" },
        { "POST", "/v1/shelves", "{\"theme\":", "application/json", 400, 3, "(body)" },
        { "POST", "/v1/shelves", "[1,2]", "application/json", 400, 3, "(body)" },
        { "POST", "/v1/shelves", "\"shelf\"", "application/json", 400, 3, "(body)" },
        { "POST", "/v1/shelves", "{\"theme\":5}", "application/json", 400, 3, "theme" },
        { "POST", "/v1/shelves", "{\"id\":\"abc\"}", "application/json", 400, 3, "id" },
        { "POST", "/v1/shelves", "{\"id\":1.5}", "application/json", 400, 3, "id" },
        { "POST", "/v1/shelves", "{\"id\":true}", "application/json", 400, 3, "id" },
        { "POST", "/v1/shelves", "{\"colour\":\"red\"}", "application/json", 400, 3, "colour" },
        { "POST", "/v1/shelves", "{\"createTime\":\"not a time\"}", "application/json", 400, 3, "createTime" },
        { "POST", "/v1/shelves", "{\"createTime\":12}", "application/json", 400, 3, "createTime" },
        { "POST", "/v1/shelves/3/books", "{\"genre\":\"COMEDY\"}", "application/json", 400, 3, "book.genre" },
        { "POST", "/v1/shelves/3/books", "{\"genre\":42}", "application/json", 400, 3, "book.genre" },
        { "POST", "/v1/shelves/3/books", "{\"authors\":\"Keats\"}", "application/json", 400, 3, "book.authors" },
        { "POST", "/v1/shelves/3/books", "{\"authors\":[\"a\",7]}", "application/json", 400, 3, "book.authors[1]" },
        { "POST", "/v1/shelves/3/books", "{\"authors\":[null]}", "application/json", 400, 3, "book.authors[0]" },
        { "POST", "/v1/shelves/3/books", "[]", "application/json", 400, 3, "book" },
        { "POST", "/v1/echo", "{\"inner\":{\"deeper\":{\"b\":\"x\"}}}", "application/json", 400, 3, "inner.deeper.b" },
        { "POST", "/v1/echo", "{\"inner\":{\"values\":[1,\"2x\"]}}", "application/json", 400, 3, "inner.values[1]" },
        { "POST", "/v1/echo", "{\"counts\":{\"a\":\"b\"}}", "application/json", 400, 3, "counts[\"a\"]" },
        { "POST", "/v1/echo", "{\"counts\":[1]}", "application/json", 400, 3, "counts" },
        { "POST", "/v1/echo", "{\"i32\":4294967296}", "application/json", 400, 3, "i32" },
        { "POST", "/v1/echo", "{\"u64\":-1}", "application/json", 400, 3, "u64" },
        { "POST", "/v1/echo", "{\"flag\":\"true\"}", "application/json", 400, 3, "flag" },
        { "POST", "/v1/echo", "{\"data\":\"***\"}", "application/json", 400, 3, "data" },
        { "POST", "/v1/echo", "{\"wait\":\"soon\"}", "application/json", 400, 3, "wait" },
        { "POST", "/v1/echo", "{\"mask\":5}", "application/json", 400, 3, "mask" },
        { "POST", "/v1/echo", "{\"choiceText\":\"a\",\"choiceNumber\":1}", "application/json", 400, 3, "choiceNumber" },
        { "POST", "/v1/echo", "{\"dbl\":\"fast\"}", "application/json", 400, 3, "dbl" },
        { "POST", "/v1/echo", new string('[', 200) + new string(']', 200), "application/json", 400, 3, "(body)" },
        // Media type and size
        { "POST", "/v1/shelves", "theme=x", "application/x-www-form-urlencoded", 415, 3, null },
        { "POST", "/v1/shelves", "{\"theme\":\"" + new string('x', 5000) + "\"}", "application/json", 413, 3, "(body)" },
        // Headers
        { "POST", "/v1/loans/l1:cancel", "{}", "application/json+idem", 400, 3, "Idempotency-Key" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_gets_exact_status_and_error_body(string method, string path, string? body, string? contentType,
        int status, int code, string? field)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (contentType == "application/json+idem")
        {
            contentType = "application/json";
            request.Headers.TryAddWithoutValidation("Idempotency-Key", "has spaces in it");
        }
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType!);
        var response = await fixture.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)response.StatusCode < 500, $"5xx for bad input: {text}");
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        if (status == 200) return;
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, json.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("message").GetString()));
        var details = json.GetProperty("details");
        if (field is null) return;
        var violation = details.EnumerateArray().Single().GetProperty("fieldViolations")[0];
        Assert.Equal(field, violation.GetProperty("field").GetString());
        if (status == 400) Assert.Contains(field, json.GetProperty("message").GetString());
        if (status == 405) Assert.True(response.Content.Headers.Allow.Count > 0);
    }

    [Fact]
    public void The_table_has_at_least_40_bad_requests() =>
        Assert.True(Cases.Count(c => c.Data.Item5 >= 400) >= 40);
}
