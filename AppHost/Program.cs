// The mesh's app host. Until the app model lands (issue 5) it starts the shared servers every
// service will use — PostgreSQL, Redis, RabbitMQ — with data kept under .mesh/data, prints their
// connection strings in the names services read them by, and stops them on Ctrl+C or SIGTERM.
using Mesh.AppHost;
using Mesh.Hosting.Servers;

var dataRoot = CommandLine.DataDirectory(args);
Console.WriteLine($"Mesh app host — data in {dataRoot}");

// Lives as long as the process: signal handlers may still fire while we shut down.
var stopping = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stopping.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };

var logs = Path.Combine(dataRoot, "logs");
var postgresTask = PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(dataRoot, "postgres"), LogFile = Path.Combine(logs, "postgres.log") }, stopping.Token);
var redisTask = RedisServer.StartAsync(new RedisOptions { DataDirectory = Path.Combine(dataRoot, "redis"), LogFile = Path.Combine(logs, "redis.log") }, stopping.Token);
var rabbitTask = RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = Path.Combine(dataRoot, "rabbitmq"), LogFile = Path.Combine(logs, "rabbitmq.log") }, stopping.Token);

await using var servers = new ServerGroup();
try
{
    servers.Add(await postgresTask, s => s.StopAsync());
    servers.Add(await redisTask, s => s.StopAsync());
    servers.Add(await rabbitTask, s => s.StopAsync());
}
catch (Exception ex) when (ex is Mesh.Hosting.ServerStartException or OperationCanceledException)
{
    await servers.AddWhenStartedAsync(postgresTask, s => s.StopAsync());
    await servers.AddWhenStartedAsync(redisTask, s => s.StopAsync());
    await servers.AddWhenStartedAsync(rabbitTask, s => s.StopAsync());
    Console.Error.WriteLine(ex.Message);
    return 1;
}

var postgres = await postgresTask;
var redis = await redisTask;
var rabbit = await rabbitTask;
Console.WriteLine();
Console.WriteLine("Servers are running (Ctrl+C stops them):");
Console.WriteLine($"  ConnectionStrings__postgres  = {postgres.ConnectionString}");
Console.WriteLine($"  ConnectionStrings__cache     = {redis.ConnectionString}");
Console.WriteLine($"  ConnectionStrings__messaging = {rabbit.ConnectionString}");
Console.WriteLine($"  logs: {logs}");

try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
}
Console.WriteLine("Stopping…");
return 0;
