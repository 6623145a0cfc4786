using System.Text.RegularExpressions;
using Mesh.Manifests.Istio;

namespace Mesh.Manifests.Tests;

/// <summary>google.api.http templates as the RE2 expressions the REST stream routes match with.</summary>
public sealed class RestPathPatternTests
{
    [Theory]
    [InlineData("/v1/holds/{id}:watch", "/v1/holds/7f3a:watch", true)]
    [InlineData("/v1/holds/{id}:watch", "/v1/holds/7f3a", false)]
    [InlineData("/v1/holds/{id}:watch", "/v1/holds/a/b:watch", false)]
    [InlineData("/v1/holds/{id}:watch", "/v1/holds/7f3a:watch?x=1", true)]
    [InlineData("/v1/{name=users/*}:setRoles", "/v1/users/42:setRoles", true)]
    [InlineData("/v1/{name=users/*}:setRoles", "/v1/venues/42:setRoles", false)]
    [InlineData("/v1/{path=files/**}", "/v1/files/a/b/c", true)]
    public void A_template_matches_the_paths_it_accepts_and_no_others(string template, string path, bool matches) =>
        Assert.Equal(matches, Regex.IsMatch(path, $"^(?:{RestPathPattern.ToRegex(template)})$"));
}
