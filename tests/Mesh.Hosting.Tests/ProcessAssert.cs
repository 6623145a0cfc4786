namespace Mesh.Hosting.Tests;

internal static class ProcessAssert
{
    /// <summary>Fails unless every pid is gone (or a zombie) — checked by pid, as the issue asks.</summary>
    public static void AllGone(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            var alive = false;
            if (File.Exists($"/proc/{pid}/stat"))
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                alive = stat[(stat.LastIndexOf(')') + 2)] != 'Z';
            }
            Assert.False(alive, $"process {pid} is still running after stop");
        }
    }
}
