namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
internal static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
            throw new InvalidOperationException("Mesh.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// The generator's apphost, built for the same configuration as this test assembly
    /// (bin/&lt;Configuration&gt;/&lt;tfm&gt;/): the test project builds it as a ProjectReference.
    /// </summary>
    public static string GeneratorExecutable
    {
        get
        {
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDir.Parent!.Name;
            var name = OperatingSystem.IsWindows() ? "Mesh.Grpc.Generator.exe" : "Mesh.Grpc.Generator";
            return Path.Combine(Root, "platform", "Mesh.Grpc.Generator", "bin", configuration, tfmDir.Name, name);
        }
    }
}
