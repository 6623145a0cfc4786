namespace Mesh.Manifests.Output;

/// <summary>Writes istio/ so that it holds exactly the generated files: stale YAML of a removed workload goes too.</summary>
public static class TreeWriter
{
    public static void Write(string root, IReadOnlyList<ManifestFile> files)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = Path.GetFullPath(Path.Combine(root, file.Path));
            expected.Add(path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var text = YamlText.Of(file);
            // Unchanged files keep their timestamps, so a regeneration with no change touches nothing.
            if (!File.Exists(path) || File.ReadAllText(path) != text) File.WriteAllText(path, text);
        }
        if (!Directory.Exists(root)) return;
        foreach (var stale in Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories)
                     .Select(Path.GetFullPath).Where(p => !expected.Contains(p)))
            File.Delete(stale);
    }
}
