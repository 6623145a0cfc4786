using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Gateway.Tests.Proto;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>Each google.api.http rule shape of library.proto, called through the gateway, binds and answers as specified.</summary>
public sealed class RuleShapeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private readonly HttpClient _client = fixture.Client;
    private readonly BackendState _seen = fixture.Backend.State;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Get_with_path_variable_and_query_parameter()
    {
        var json = await JsonAsync(await _client.GetAsync("/v1/shelves/42?includeBooks=true", Ct));
        Assert.Equal("42", json.GetProperty("id").GetString()); // int64 as a string
        Assert.Equal("with books", json.GetProperty("theme").GetString());
        Assert.Equal("2024-05-01T10:00:00Z", json.GetProperty("createTime").GetString()); // lowerCamel + RFC 3339
        var request = (GetShelfRequest)_seen.LastRequest["GetShelf"];
        Assert.Equal(42, request.ShelfId);
        Assert.True(request.IncludeBooks);
    }

    [Fact]
    public async Task Query_accepts_proto_names_too()
    {
        await JsonAsync(await _client.GetAsync("/v1/shelves/7?include_books=true", Ct));
        Assert.True(((GetShelfRequest)_seen.LastRequest["GetShelf"]).IncludeBooks);
    }

    [Fact]
    public async Task Post_with_body_star()
    {
        var json = await JsonAsync(await _client.PostAsync("/v1/shelves", Json("""{"id":"5","theme":"History","create_time":"2024-01-02T03:04:05Z"}"""), Ct));
        Assert.Equal("History", json.GetProperty("theme").GetString());
        var request = (Shelf)_seen.LastRequest["CreateShelf"];
        Assert.Equal(5, request.Id);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), request.CreateTime.ToDateTime());
    }

    [Fact]
    public async Task Put_with_nested_path_field_and_body_field()
    {
        var response = await _client.PutAsync("/v1/shelves/9?etag=abc", Json("""{"theme":"Poetry","id":"1"}"""), Ct);
        var json = await JsonAsync(response);
        var request = (ReplaceShelfRequest)_seen.LastRequest["ReplaceShelf"];
        Assert.Equal(9, request.Shelf.Id); // the path wins over the body
        Assert.Equal("Poetry", request.Shelf.Theme);
        Assert.Equal("abc", request.Etag);
        Assert.Equal("9", json.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Pattern_variable_binds_the_whole_resource_name()
    {
        var json = await JsonAsync(await _client.GetAsync("/v1/shelves/s1/books/b%20two", Ct));
        Assert.Equal("shelves/s1/books/b two", ((GetBookRequest)_seen.LastRequest["GetBook"]).Name);
        Assert.Equal("9007199254740993", json.GetProperty("pageCount").GetString());
    }

    [Fact]
    public async Task Additional_binding_with_double_wildcard_keeps_encoded_slashes()
    {
        await JsonAsync(await _client.GetAsync("/v1/books/a/b/c%2Fd", Ct));
        Assert.Equal("a/b/c%2Fd", ((GetBookRequest)_seen.LastRequest["GetBook"]).Name);
    }

    [Fact]
    public async Task Additional_binding_without_path_variable_takes_everything_from_query()
    {
        var json = await JsonAsync(await _client.GetAsync("/v1/books?parent=shelves/3&pageSize=20&genres=POETRY&genres=3", Ct));
        Assert.Equal("shelves/3|20|", json.GetProperty("nextPageToken").GetString());
        var request = (ListBooksRequest)_seen.LastRequest["ListBooks"];
        Assert.Equal([Genre.Poetry, Genre.History], request.Genres);
    }

    [Fact]
    public async Task Main_binding_of_list()
    {
        var json = await JsonAsync(await _client.GetAsync("/v1/shelves/3/books?pageToken=t1", Ct));
        Assert.Equal("shelves/3|0|t1", json.GetProperty("nextPageToken").GetString());
    }

    [Fact]
    public async Task Post_with_named_body_field_and_query()
    {
        var json = await JsonAsync(await _client.PostAsync("/v1/shelves/3/books?bookId=b9",
            Json("""{"title":"Odes","authors":["Keats","Sappho"],"genre":"POETRY","pageCount":120,"publishTime":"1819-05-01T00:00:00Z"}"""), Ct));
        Assert.Equal("shelves/3/books/b9", json.GetProperty("name").GetString());
        Assert.Equal("POETRY", json.GetProperty("genre").GetString());
        Assert.Equal(2, json.GetProperty("authors").GetArrayLength());
        var request = (CreateBookRequest)_seen.LastRequest["CreateBook"];
        Assert.Equal("shelves/3", request.Parent);
        Assert.Equal("b9", request.BookId);
        Assert.Equal(120, request.Book.PageCount);
    }

    [Fact]
    public async Task Patch_with_nested_path_variable_inside_body_field_and_field_mask_query()
    {
        var response = await _client.PatchAsync("/v1/shelves/1/books/2?updateMask=title,pageCount", Json("""{"name":"ignored","title":"New"}"""), Ct);
        await JsonAsync(response);
        var request = (UpdateBookRequest)_seen.LastRequest["UpdateBook"];
        Assert.Equal("shelves/1/books/2", request.Book.Name);
        Assert.Equal("New", request.Book.Title);
        Assert.Equal(["title", "page_count"], request.UpdateMask.Paths);
    }

    [Fact]
    public async Task Delete_returns_empty_object()
    {
        var response = await _client.DeleteAsync("/v1/shelves/1/books/2?force=true", Ct);
        var json = await JsonAsync(response);
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.Empty(json.EnumerateObject());
        Assert.True(((DeleteBookRequest)_seen.LastRequest["DeleteBook"]).Force);
    }

    [Fact]
    public async Task Response_body_writes_only_that_field()
    {
        var json = await JsonAsync(await _client.GetAsync("/v1/shelves/1/books/2/cover", Ct));
        Assert.Equal("https://img.example/c.png", json.GetProperty("imageUrl").GetString());
        Assert.Equal(600, json.GetProperty("width").GetInt32());
        Assert.False(json.TryGetProperty("cover", out _));
    }

    [Fact]
    public async Task Custom_verb_with_idempotency_key_and_request_id()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/loans/l1:cancel") { Content = Json("""{"reason":"moved"}""") };
        request.Headers.Add("Idempotency-Key", "key-123");
        request.Headers.Add("X-Request-Id", "req-abc");
        var response = await _client.SendAsync(request, Ct);
        var json = await JsonAsync(response);
        Assert.Equal("loans/l1", json.GetProperty("name").GetString());
        Assert.Equal("moved", json.GetProperty("reason").GetString());
        Assert.Equal("key-123", json.GetProperty("idempotencyKey").GetString());
        Assert.Equal("req-abc", json.GetProperty("requestId").GetString());
        Assert.Equal("req-abc", response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task Request_id_is_generated_when_absent()
    {
        var response = await _client.GetAsync("/v1/shelves/1", Ct);
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Request-Id").Single()));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Custom_verb_on_a_collection()
    {
        var json = await JsonAsync(await _client.PostAsync("/v1/books:search", Json("""{"query":"keats"}"""), Ct));
        Assert.Equal("keats", json.GetProperty("nextPageToken").GetString());
    }

    [Fact]
    public async Task HttpBody_response_is_written_raw()
    {
        var response = await _client.GetAsync("/v1/archive/2024/05/notes.txt", Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("file:2024/05/notes.txt", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Query_binds_every_scalar_kind_nested_repeated_and_well_known_types()
    {
        var query = "i32=-5&i64=9007199254740993&u32=7&u64=18446744073709551615&s32=-3&f64=12&dbl=1.5&flt=NaN&flag=true" +
                    "&data=aGk_&genre=2&tags=a&tags=b&numbers=1&numbers=2&genres=FICTION&genres=3&inner.a=x&inner.deeper.b=4" +
                    "&inner.values=10&inner.values=11&when=2024-05-01T10:00:00.5Z&wait=1.5s&maybeCount=0&maybe_text=t&maybeFlag=false" +
                    "&mask=title,inner.a&choiceNumber=8";
        var json = await JsonAsync(await _client.GetAsync("/v1/echo/e1?" + query, Ct));
        var echo = (EchoMessage)_seen.LastRequest["Echo"];
        Assert.Equal("e1", echo.Id);
        Assert.Equal(-5, echo.I32);
        Assert.Equal(9007199254740993, echo.I64);
        Assert.Equal(ulong.MaxValue, echo.U64);
        Assert.Equal(-3, echo.S32);
        Assert.True(float.IsNaN(echo.Flt));
        Assert.Equal("hi?", echo.Data.ToStringUtf8());
        Assert.Equal(Genre.Poetry, echo.Genre);
        Assert.Equal(["a", "b"], echo.Tags);
        Assert.Equal([Genre.Fiction, Genre.History], echo.Genres);
        Assert.Equal(4, echo.Inner.Deeper.B);
        Assert.Equal([10L, 11L], echo.Inner.Values);
        Assert.Equal(TimeSpan.FromSeconds(1.5), echo.Wait.ToTimeSpan());
        Assert.Equal(0, echo.MaybeCount); // set, to zero: the wrapper distinguishes it from absent
        Assert.False(echo.MaybeFlag);
        Assert.Equal(8, echo.ChoiceNumber);
        // And back out as proto3 JSON.
        Assert.Equal("9007199254740993", json.GetProperty("i64").GetString());
        Assert.Equal("18446744073709551615", json.GetProperty("u64").GetString());
        Assert.Equal("NaN", json.GetProperty("flt").GetString());
        Assert.Equal("POETRY", json.GetProperty("genre").GetString());
        Assert.Equal("2024-05-01T10:00:00.500Z", json.GetProperty("when").GetString());
        Assert.Equal("1.500s", json.GetProperty("wait").GetString());
        Assert.Equal(0, json.GetProperty("maybeCount").GetInt32());
        Assert.Equal("title,inner.a", json.GetProperty("mask").GetString());
    }

    [Fact]
    public async Task Json_body_accepts_proto_names_strings_for_numbers_maps_and_null()
    {
        var json = await JsonAsync(await _client.PostAsync("/v1/echo",
            Json("""{"id":"x","i32":"12","page_count":null,"maybe_count":null,"counts":{"a":1,"b":"2"},"genre":1,"dbl":"Infinity","inner":{"deeper":{"b":1e2}}}""".Replace("\"page_count\":null,", "")), Ct));
        var echo = (EchoMessage)_seen.LastRequest["Echo"];
        Assert.Equal(12, echo.I32);
        Assert.Equal(2, echo.Counts["b"]);
        Assert.Equal(Genre.Fiction, echo.Genre);
        Assert.Equal(100, echo.Inner.Deeper.B);
        Assert.Null(echo.MaybeCount);
        Assert.Equal("Infinity", json.GetProperty("dbl").GetString());
    }

    [Fact]
    public async Task Http2_prior_knowledge_is_served()
    {
        using var client = new HttpClient { BaseAddress = fixture.Gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var response = await client.GetAsync("/v1/shelves/1", Ct);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Backend_error_maps_to_http_status_with_rich_details()
    {
        var response = await _client.PostAsync("/v1/fail", Json("""{"code":9,"message":"seat taken","badField":"seat"}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode); // FAILED_PRECONDITION → 400
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(9, json.GetProperty("code").GetInt32());
        Assert.Equal("seat taken", json.GetProperty("message").GetString());
        var detail = json.GetProperty("details")[0];
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
        Assert.Equal("seat", detail.GetProperty("fieldViolations")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData(5, 404)] [InlineData(6, 409)] [InlineData(7, 403)] [InlineData(8, 429)] [InlineData(10, 409)]
    [InlineData(11, 400)] [InlineData(12, 501)] [InlineData(13, 500)] [InlineData(14, 503)] [InlineData(16, 401)] [InlineData(1, 499)]
    public async Task Grpc_codes_map_to_http(int code, int http)
    {
        var response = await _client.PostAsync("/v1/fail", Json($$"""{"code":{{code}},"message":"m"}"""), Ct);
        Assert.Equal(http, (int)response.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Gateway_deadline_gives_504()
    {
        // Far past the edge's deadline (Mesh:Resilience:Deadline, 5 s here): the backend's sleep ends with the deadline.
        var response = await _client.PostAsync("/v1/fail", Json("""{"code":0,"sleep":"120s"}"""), Ct);
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(4, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Cors_preflight_from_an_allowed_origin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/shelves");
        request.Headers.Add("Origin", "https://app.mesh.test");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,idempotency-key");
        var response = await _client.SendAsync(request, Ct);
        Assert.Equal("https://app.mesh.test", response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var other = new HttpRequestMessage(HttpMethod.Get, "/v1/shelves/1");
        other.Headers.Add("Origin", "https://evil.test");
        Assert.False((await _client.SendAsync(other, Ct)).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Health_reports_edge_and_upstream()
    {
        var response = await _client.GetAsync("/health", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("upstream:library", text);
    }
}
