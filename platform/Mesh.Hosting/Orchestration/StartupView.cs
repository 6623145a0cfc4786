using Spectre.Console;

namespace Mesh.Hosting.Orchestration;

/// <summary>
/// What a person sees while the mesh starts: a live table of resources on a terminal, plain state
/// lines when output is redirected (CI, tests), then the URLs to open.
/// </summary>
internal sealed class StartupView(DistributedApplication app)
{
    private readonly bool _live = app.Options.InteractiveConsole && !Console.IsOutputRedirected;

    public async Task ShowWhileAsync(Task starting)
    {
        if (!_live)
        {
            foreach (var instance in app.Instances)
                instance.StateChanged += i => Console.WriteLine($"[mesh] {i.DisplayName,-20} {i.State}{(i.StateDetail is null ? "" : " — " + i.StateDetail)}");
            await starting;
            return;
        }

        await AnsiConsole.Live(BuildTable()).AutoClear(false).StartAsync(async ctx =>
        {
            while (!starting.IsCompleted)
            {
                ctx.UpdateTarget(BuildTable());
                await Task.WhenAny(starting, Task.Delay(250));
            }
            ctx.UpdateTarget(BuildTable());
        });
        await starting;
    }

    public void Ready()
    {
        Console.WriteLine();
        Console.WriteLine("The mesh is running. Ctrl+C stops everything.");
        foreach (var instance in app.Instances)
        {
            if (instance.Resource is IResourceWithConnectionString cs)
                Console.WriteLine($"  {instance.DisplayName,-20} ConnectionStrings__{cs.Name} = {cs.GetConnectionString()}");
            else if (instance.Endpoints.Count > 0)
                Console.WriteLine($"  {instance.DisplayName,-20} {string.Join("  ", instance.Endpoints.Select(e => $"{e.Key}: {e.Value}"))}");
        }
        Console.WriteLine($"  logs: {Path.Combine(app.Options.DataDirectory, "logs")}");
        if (app.Dashboard?.Url is { } dashboard)
        {
            Console.WriteLine($"  dashboard: {dashboard}  (OTLP/HTTP receiver: {app.Dashboard.OtlpEndpoint})");
            foreach (var notice in app.Dashboard.Notices) Console.WriteLine($"  note: {notice}");
        }
    }

    public void Failed(ServerStartException ex)
    {
        Console.Error.WriteLine();
        Console.Error.WriteLine($"[mesh] start-up failed: {ex.Message}");
        Console.Error.WriteLine("[mesh] everything that had started is being stopped.");
    }

    public void Stopping() => Console.WriteLine("[mesh] stopping…");

    private Table BuildTable()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Mesh[/] — starting");
        table.AddColumns("Resource", "Kind", "State", "Pid", "Endpoints");
        foreach (var i in app.Instances)
        {
            var color = i.State switch
            {
                ResourceState.Running => "green",
                ResourceState.Failed or ResourceState.Exited => "red",
                ResourceState.Unhealthy => "yellow",
                _ => "grey",
            };
            table.AddRow(Markup.Escape(i.DisplayName), i.Kind, $"[{color}]{i.State}[/]", i.Pid?.ToString() ?? "",
                Markup.Escape(string.Join(" ", i.Endpoints.Values)));
        }
        return table;
    }
}
