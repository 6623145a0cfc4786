using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// What proto3 JSON allows passes the input checks and reaches the method as sent: each request answers 200 and the
/// echo holds the value. The checks in front of the transcoder must never be stricter than the contract, nor let
/// through what the transcoder would then refuse without naming a field.
/// </summary>
public sealed class RestGoodInputTests(RestProbeHost host) : IClassFixture<RestProbeHost>
{
    // body sent to POST /v1/echo, field of the echo (JSON name), its value as JSON
    public static TheoryData<string, string, string> Bodies => new()
    {
        { "{\"i64\":\"9223372036854775807\"}", "i64", "\"9223372036854775807\"" },
        { "{\"i64\":9223372036854775807}", "i64", "\"9223372036854775807\"" },
        { "{\"i64\":-9223372036854775808}", "i64", "\"-9223372036854775808\"" },
        { "{\"u64\":\"18446744073709551615\"}", "u64", "\"18446744073709551615\"" },
        { "{\"i32\":2147483647}", "i32", "2147483647" },
        { "{\"u32\":4294967295}", "u32", "4294967295" },
        { "{\"s32\":-3}", "s32", "-3" },
        { "{\"f64\":\"7\"}", "f64", "\"7\"" },
        { "{\"dbl\":1.5}", "dbl", "1.5" },
        { "{\"dbl\":\"NaN\"}", "dbl", "\"NaN\"" },
        { "{\"dbl\":\"-Infinity\"}", "dbl", "\"-Infinity\"" },
        { "{\"flt\":0.5}", "flt", "0.5" },
        { "{\"flag\":true}", "flag", "true" },
        { "{\"data\":\"aGk=\"}", "data", "\"aGk=\"" },
        { "{\"genre\":\"POETRY\"}", "genre", "\"POETRY\"" },
        { "{\"genre\":2}", "genre", "\"POETRY\"" },
        { "{\"genres\":[\"FICTION\",\"POETRY\"]}", "genres", "[\"FICTION\",\"POETRY\"]" },
        { "{\"tags\":[\"a\",\"b\"]}", "tags", "[\"a\",\"b\"]" },
        { "{\"when\":\"2024-05-01T10:00:00Z\"}", "when", "\"2024-05-01T10:00:00Z\"" },
        { "{\"wait\":\"1.500s\"}", "wait", "\"1.500s\"" },
        { "{\"wait\":\"-2s\"}", "wait", "\"-2s\"" },
        { "{\"maybeCount\":3}", "maybeCount", "3" },
        { "{\"maybeText\":\"x\"}", "maybeText", "\"x\"" },
        { "{\"mask\":\"id,inner.a\"}", "mask", "\"id,inner.a\"" },
        { "{\"counts\":{\"a\":1}}", "counts", "{\"a\":1}" },
        { "{\"labels\":{\"k\":\"v\"}}", "labels", "{\"k\":\"v\"}" },
        { "{\"inner\":{\"deeper\":{\"b\":4}}}", "inner", "{\"a\":\"\",\"deeper\":{\"b\":4,\"note\":\"\"},\"values\":[]}" },
        { "{\"inners\":[{\"a\":\"x\"}]}", "inners", "[{\"a\":\"x\",\"values\":[]}]" },
        { "{\"choice_text\":\"proto name\"}", "choiceText", "\"proto name\"" },
        { "{\"id\":\"caf\\u00e9 \\ud83d\\ude00\"}", "id", "\"café 😀\"" },
        { "{\"inner\":null}", "id", "\"\"" },
        { " ", "id", "\"\"" },
        { "", "i32", "0" },
        { "{\"genres\":[1]}", "genres", "[\"FICTION\"]" },
        { "{\"inner\":{\"values\":[1,\"2\"]}}", "inner", "{\"a\":\"\",\"values\":[\"1\",\"2\"]}" },
        { "{\"when\":\"2024-05-01T10:00:00.123+02:00\"}", "when", "\"2024-05-01T08:00:00.123Z\"" },
        { "{\"mask\":\"\"}", "mask", "\"\"" },
        { "{\"maybeText\":null}", "id", "\"\"" },
        { "{\"tags\":[]}", "tags", "[]" },
        { "{\"i64\":null}", "i64", "\"0\"" },
        { "{\"flag\":null}", "flag", "false" },
        { "{\"genre\":null}", "genre", "\"GENRE_UNSPECIFIED\"" },
        { "{\"dbl\":1e308}", "dbl", "1e308" },
        { "{\"id\":\"a\",\"id\":\"b\"}", "id", "\"b\"" },
        // Spellings proto3 JSON allows that the transcoder does not read: rewritten on the way in, the value unchanged
        { "{\"i32\":\"-5\"}", "i32", "-5" },
        { "{\"u32\":\"5\"}", "u32", "5" },
        { "{\"numbers\":[\"1\",2]}", "numbers", "[1,2]" },
        { "{\"maybeCount\":\"3\"}", "maybeCount", "3" },
        { "{\"i32\":1e3}", "i32", "1000" },
        { "{\"i32\":-2.0}", "i32", "-2" },
        { "{\"i64\":\"5.0\"}", "i64", "\"5\"" },
        { "{\"i64\":9.223372036854775807e18}", "i64", "\"9223372036854775807\"" },
        { "{\"inner\":{\"deeper\":{\"b\":1e2}}}", "inner", "{\"a\":\"\",\"deeper\":{\"b\":100,\"note\":\"\"},\"values\":[]}" },
        { "{\"counts\":{\"a\":\"2\"}}", "counts", "{\"a\":2}" },
        { "{\"dbl\":\"1.5\"}", "dbl", "1.5" },
        { "{\"flt\":\"-0.25\"}", "flt", "-0.25" },
        { "{\"data\":\"aGk\"}", "data", "\"aGk=\"" },
        { "{\"data\":\"-_8=\"}", "data", "\"+/8=\"" },
        { "{\"data\":\"-_8\"}", "data", "\"+/8=\"" },
        { "{\"tags\":null}", "tags", "[]" },
        { "{\"counts\":null,\"id\":\"kept\"}", "id", "\"kept\"" },
        { "{\"inner\":{\"values\":null,\"a\":\"x\"}}", "inner", "{\"a\":\"x\",\"values\":[]}" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_valid_body_reaches_the_method(string body, string field, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/echo") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var echo = await OkAsync(request);
        AssertJsonEqual(expected, echo.GetProperty(field));
    }

    [Fact]
    public async Task A_body_without_a_content_type_is_taken_as_json()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/echo") { Content = new ByteArrayContent("{\"id\":\"plain\"}"u8.ToArray()) };
        Assert.Null(request.Content.Headers.ContentType);
        Assert.Equal("plain", (await OkAsync(request)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_body_field_route_binds_the_body_path_and_query()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/shelves/3/books?bookId=b1")
        {
            Content = new StringContent("{\"title\":\"Odes\",\"authors\":[\"Keats\"],\"genre\":\"POETRY\",\"pageCount\":\"120\"}", Encoding.UTF8, "application/json"),
        };
        var book = await OkAsync(request);
        Assert.Equal("Odes", book.GetProperty("title").GetString());
        Assert.Equal("120", book.GetProperty("pageCount").GetString());
    }

    [Fact]
    public async Task Every_kind_of_query_parameter_binds()
    {
        var query = "i64=-5&u64=18446744073709551615&i32=7&tags=a&tags=b&genre=POETRY&genres=FICTION&genres=2&when=2024-05-01T10:00:00Z"
                    + "&wait=2s&maybeCount=3&inner.deeper.b=4&inner.a=x&choiceText=t&numbers=1&numbers=2&flag=true&dbl=NaN&data=aGk%3D";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/echo/e1?" + query);
        var echo = await OkAsync(request);
        Assert.Equal("e1", echo.GetProperty("id").GetString());
        Assert.Equal("-5", echo.GetProperty("i64").GetString());
        Assert.Equal("18446744073709551615", echo.GetProperty("u64").GetString());
        AssertJsonEqual("[\"a\",\"b\"]", echo.GetProperty("tags"));
        AssertJsonEqual("[\"FICTION\",\"POETRY\"]", echo.GetProperty("genres"));
        Assert.Equal("2024-05-01T10:00:00Z", echo.GetProperty("when").GetString());
        Assert.Equal("2s", echo.GetProperty("wait").GetString());
        Assert.Equal(3, echo.GetProperty("maybeCount").GetInt32());
        Assert.Equal(4, echo.GetProperty("inner").GetProperty("deeper").GetProperty("b").GetInt32());
        Assert.Equal("t", echo.GetProperty("choiceText").GetString());
        AssertJsonEqual("[1,2]", echo.GetProperty("numbers"));
        Assert.Equal("aGk=", echo.GetProperty("data").GetString());
    }

    [Theory]
    [InlineData("aGk_")] // URL-safe
    [InlineData("aGk")] // unpadded
    [InlineData("aGk%2F")] // standard
    public async Task Bytes_in_the_query_bind_in_either_base64_alphabet_padded_or_not(string data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/echo/x?data={data}");
        var expected = Convert.ToBase64String(Convert.FromBase64String(Uri.UnescapeDataString(data).Replace('_', '/').PadRight(4, '=')));
        Assert.Equal(expected, (await OkAsync(request)).GetProperty("data").GetString());
    }

    [Theory]
    [InlineData("maybeCount,inner.a")]
    [InlineData("maybe_count,inner.a")]
    public async Task A_field_mask_in_the_query_reaches_the_method_as_proto_paths(string mask)
    {
        // The transcoder would keep "maybeCount" as written, a path no message has (and its JSON writer refuses).
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/echo/x?mask={mask}");
        Assert.Equal("maybeCount,inner.a", (await OkAsync(request)).GetProperty("mask").GetString());
    }

    [Fact]
    public async Task A_tree_as_deep_as_allowed_is_accepted()
    {
        var json = new StringBuilder();
        const int depth = 63; // the root object plus 63 nested children: 64 levels
        for (var i = 0; i < depth; i++) json.Append("{\"child\":");
        json.Append("{\"name\":\"leaf\"}").Append('}', depth);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/trees") { Content = new StringContent(json.ToString(), Encoding.UTF8, "application/json") };
        var summary = await OkAsync(request);
        Assert.Equal(depth, summary.GetProperty("depth").GetInt32());
        Assert.Equal("leaf", summary.GetProperty("leaf").GetString());
    }

    private async Task<JsonElement> OkAsync(HttpRequestMessage request)
    {
        var response = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static void AssertJsonEqual(string expected, JsonElement actual) =>
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, actual), $"expected {expected}, got {actual.GetRawText()}");
}
