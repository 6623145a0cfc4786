using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Notification.Tests.Support;

namespace Mesh.Notification.Tests;

/// <summary>GET/PATCH /v1/notification-preferences: defaults, partial updates by mask, and precise refusals of bad input.</summary>
public sealed class PreferencesTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Defaults_then_a_patch_changes_only_the_fields_named()
    {
        using var http = fixture.Rest(fixture.Customer());
        var defaults = await http.GetFromJsonAsync<JsonElement>("/v1/notification-preferences", Ct);
        Assert.Equal("en", defaults.GetProperty("locale").GetString());
        var categories = defaults.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("category").GetString()!);
        Assert.Equal(7, categories.Count);
        Assert.True(categories["bookings"].GetProperty("email").GetBoolean());
        Assert.False(categories["announcements"].GetProperty("email").GetBoolean());

        var patched = await PatchAsync(http, "email,quietHours,categories,homeCityId", """
            {"email":"me@example.com","quietHours":{"start":"22:30","end":"06:45","timeZone":"Europe/Berlin"},
             "categories":[{"category":"announcements","email":true,"sms":false}],"homeCityId":"berlin","locale":"de"}
            """);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var saved = await http.GetFromJsonAsync<JsonElement>("/v1/notification-preferences", Ct);
        Assert.Equal("me@example.com", saved.GetProperty("email").GetString());
        Assert.Equal("en", saved.GetProperty("locale").GetString()); // not in the mask
        Assert.Equal("22:30", saved.GetProperty("quietHours").GetProperty("start").GetString());
        Assert.Equal("Europe/Berlin", saved.GetProperty("quietHours").GetProperty("timeZone").GetString());
        Assert.Equal("berlin", saved.GetProperty("homeCityId").GetString());
        Assert.True(saved.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == "announcements").GetProperty("email").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(http, "unsubscribed", """{"unsubscribed":true}""")).StatusCode);
        Assert.True((await http.GetFromJsonAsync<JsonElement>("/v1/notification-preferences", Ct)).GetProperty("unsubscribed").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(http, "unsubscribed", """{"unsubscribed":false}""")).StatusCode);
        Assert.False((await http.GetFromJsonAsync<JsonElement>("/v1/notification-preferences", Ct)).GetProperty("unsubscribed").GetBoolean());
    }

    [Theory]
    [InlineData("quietHours", """{"quietHours":{"start":"25:00","end":"06:00"}}""", "preferences.quiet_hours.start")]
    [InlineData("quietHours", """{"quietHours":{"start":"22:00"}}""", "preferences.quiet_hours.end")]
    [InlineData("quietHours", """{"quietHours":{"start":"22:00","end":"06:00","timeZone":"Mars/Olympus"}}""", "preferences.quiet_hours.time_zone")]
    [InlineData("locale", """{"locale":"xx"}""", "preferences.locale")]
    [InlineData("email", """{"email":"not-an-address"}""", "preferences.email")]
    [InlineData("phone", """{"phone":"0151 123"}""", "preferences.phone")]
    [InlineData("categories", """{"categories":[{"category":"spam","email":true}]}""", "preferences.categories[0].category")]
    [InlineData("categories", """{"categories":[{"category":"bookings"},{"category":"bookings"}]}""", "preferences.categories[1].category")]
    [InlineData("nonsense", """{}""", "update_mask.paths[0]")]
    public async Task Bad_input_is_refused_naming_the_field_and_changes_nothing(string mask, string body, string field)
    {
        using var http = fixture.Rest(fixture.Customer());
        var response = await PatchAsync(http, mask, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(Ct));
        Assert.False((await http.GetFromJsonAsync<JsonElement>("/v1/notification-preferences", Ct)).TryGetProperty("updateTime", out _));
    }

    [Theory]
    [InlineData("/v1/notifications?pageSize=101", "page_size")]
    [InlineData("/v1/notifications?pageToken=bogus", "page_token")]
    [InlineData("/v1/notifications/dead-letters?pageToken=bogus", "page_token")]
    public async Task Bad_list_parameters_are_refused_naming_the_field(string path, string field)
    {
        using var http = fixture.Rest(fixture.Admin());
        var response = await http.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Marking_a_notification_that_is_not_a_uuid_names_the_id()
    {
        using var http = fixture.Rest(fixture.Customer());
        var response = await http.PostAsJsonAsync("/v1/notifications/nope:markRead", new { }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"id\"", await response.Content.ReadAsStringAsync(Ct));
    }

    private Task<HttpResponseMessage> PatchAsync(HttpClient http, string mask, string body) =>
        http.PatchAsync($"/v1/notification-preferences?updateMask={mask}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
}
