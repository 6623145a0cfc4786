namespace Mesh.Manifests.Aspire;

/// <summary>The Aspire manifest's resource types the generator knows; any other type stops it rather than being skipped.</summary>
public static class ResourceTypes
{
    public const string Project = "project.v0";
    public const string Container = "container.v0";
    /// <summary>A local process (the default app host's Debian servers): not deployable, so the generator refuses it.</summary>
    public const string Executable = "executable.v0";
    public const string Parameter = "parameter.v0";
    /// <summary>A connection string made of others' (a PostgreSQL database, a condition that is empty when TLS is off).</summary>
    public const string Value = "value.v0";
    /// <summary>A value with a filter (<c>uri</c>: the password URI-encoded).</summary>
    public const string AnnotatedString = "annotated.string";
}
