using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// The JSON a service's REST routes answer with is the public contract's: proto3 JSON (lowerCamel names, enum names,
/// int64 as strings, well-known types in their string forms) with default values written out, and errors as
/// google.rpc.Status {"code","message","details"} with the rich details a handler attached, at the REST statuses.
/// </summary>
public sealed class RestResponseJsonTests(RestProbeHost host) : IClassFixture<RestProbeHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_response_is_proto3_json_with_defaults_as_google_protobuf_writes_it()
    {
        var sent = new EchoMessage
        {
            Id = "e1", I32 = -7, I64 = long.MaxValue, U64 = ulong.MaxValue, F64 = 3, Dbl = double.NaN, Flt = 0.5f, Flag = true,
            Data = ByteString.CopyFromUtf8("hi"), Genre = Genre.Poetry, Tags = { "a", "b" }, Genres = { Genre.Fiction },
            Inner = new Inner { A = "x", Values = { 1, long.MinValue } }, When = Timestamp.FromDateTime(new DateTime(2024, 5, 1, 10, 0, 0, 123, DateTimeKind.Utc)),
            Wait = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)), MaybeCount = 0, Mask = FieldMask.FromString("id,inner.a"),
            Counts = { ["k"] = 2 }, Labels = { ["l"] = "v" }, ChoiceNumber = 9,
        };
        var response = await host.Http.PostAsync("/v1/echo", new StringContent(JsonFormatter.Default.Format(sent), Encoding.UTF8, "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);

        var expected = new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)).Format(sent);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, JsonDocument.Parse(text).RootElement), $"expected {expected}\n got {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal("9223372036854775807", json.GetProperty("i64").GetString());
        Assert.Equal("POETRY", json.GetProperty("genre").GetString());
        Assert.Equal("2024-05-01T10:00:00.123Z", json.GetProperty("when").GetString());
        Assert.False(json.TryGetProperty("maybeText", out _)); // an unset message field is left out, as Google.Protobuf does
    }

    [Fact]
    public async Task An_empty_response_still_has_every_field()
    {
        var response = await host.Http.GetAsync("/v1/shelves/0", Ct);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", json.GetProperty("id").GetString());
        Assert.Equal("", json.GetProperty("theme").GetString());
    }

    [Theory]
    [InlineData(3, 400)]
    [InlineData(5, 404)]
    [InlineData(6, 409)]
    [InlineData(7, 403)]
    [InlineData(8, 429)]
    [InlineData(9, 400)]
    [InlineData(10, 409)]
    [InlineData(14, 503)]
    [InlineData(16, 401)]
    public async Task An_error_is_a_google_rpc_status_with_its_details_at_the_rest_status(int code, int httpStatus)
    {
        var response = await host.Http.PostAsync("/v1/fail",
            new StringContent($$"""{"code":{{code}},"message":"failed on purpose","badField":"shelf.theme"}""", Encoding.UTF8, "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(httpStatus == (int)response.StatusCode, text);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, json.GetProperty("code").GetInt32());
        Assert.Equal("failed on purpose", json.GetProperty("message").GetString());
        var detail = Assert.Single(json.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
        Assert.Equal("shelf.theme", detail.GetProperty("fieldViolations")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_error_without_details_still_has_code_message_and_details()
    {
        var response = await host.Http.PostAsync("/v1/fail", new StringContent("""{"code":5,"message":"gone"}""", Encoding.UTF8, "application/json"), Ct);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(5, json.GetProperty("code").GetInt32());
        Assert.Equal("gone", json.GetProperty("message").GetString());
        Assert.Equal(0, json.GetProperty("details").GetArrayLength());
    }
}
