using System.Xml.Linq;

namespace Mesh.Hosting;

/// <summary>Reads the little the orchestrator needs from a .csproj.</summary>
internal static class ProjectFile
{
    /// <summary>The AssemblyName property if the project sets one, else the file name.</summary>
    public static string ReadAssemblyName(string projectPath)
    {
        var doc = XDocument.Load(projectPath);
        var assemblyName = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "AssemblyName")?.Value.Trim();
        return string.IsNullOrEmpty(assemblyName) ? Path.GetFileNameWithoutExtension(projectPath) : assemblyName;
    }
}
