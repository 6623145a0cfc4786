using System.Text.RegularExpressions;

namespace Mesh.AppHost.Tests.Readme;

/// <summary>
/// The README's REST walk-through exactly as a reader sees it: the bash blocks of its "Calling it over REST" section, in
/// order, and the <c>./mesh up</c> setting the section tells the reader to start the mesh with. Read from README.md on
/// every run, so the document and its test cannot drift apart.
/// </summary>
public static partial class ReadmeWalkthrough
{
    public const string SectionHeading = "### Calling it over REST";

    /// <summary>The edge address the README's commands use; the test puts the fixture's edge in its place.</summary>
    public const string DocumentedEdge = "http://localhost:8080";

    public static string ReadmePath =>
        Path.GetFullPath(Path.Combine(ManifestTests.AppHostDirectory(), "..", "README.md"));

    /// <summary>The bash code blocks of the REST section, in document order.</summary>
    public static IReadOnlyList<string> BashBlocks()
    {
        var lines = File.ReadAllLines(ReadmePath);
        var start = Array.IndexOf(lines, SectionHeading);
        if (start < 0) throw new InvalidOperationException($"README.md has no \"{SectionHeading}\" section.");
        var blocks = new List<string>();
        List<string>? block = null;
        for (var i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (block is null && (line.StartsWith("## ", StringComparison.Ordinal) || line.StartsWith("### ", StringComparison.Ordinal))) break;
            if (block is null && line.Trim() == "```bash") block = [];
            else if (block is not null && line.Trim() == "```")
            {
                blocks.Add(string.Join('\n', block));
                block = null;
            }
            else block?.Add(line);
        }
        return blocks;
    }

    /// <summary>
    /// The emails of the README's <c>./mesh up --Mesh:Admins=…</c> command (the app host gets them in the tests too), or
    /// none when the README asks for none.
    /// </summary>
    public static string[] Admins()
    {
        var readme = File.ReadAllText(ReadmePath);
        return [.. MeshUpAdmins().Matches(readme).SelectMany(m => m.Groups["emails"].Value.Split(','))
            .Distinct(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"\./mesh up --Mesh:Admins=(?<emails>[^\s`]+)")]
    private static partial Regex MeshUpAdmins();
}
