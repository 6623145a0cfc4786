using Mesh.ServiceDefaults.Health;

// What a service's Program.cs calls for each dependency it uses: in Aspire's namespace, no using needed.
namespace Microsoft.Extensions.Hosting;

/// <summary>Readiness checks for the dependencies a service uses, by connection-string name.</summary>
public static class DependencyHealthChecks
{
    /// <summary>Ready only while PostgreSQL answers, reached with <c>ConnectionStrings:{connectionName}</c>.</summary>
    public static IHostApplicationBuilder AddPostgresHealthCheck(this IHostApplicationBuilder builder, string connectionName) =>
        builder.AddDependencyCheck(connectionName, "postgres", cs => new PostgresHealthCheck(cs));

    /// <summary>Ready only while Redis answers PING, reached with <c>ConnectionStrings:{connectionName}</c>.</summary>
    public static IHostApplicationBuilder AddRedisHealthCheck(this IHostApplicationBuilder builder, string connectionName) =>
        builder.AddDependencyCheck(connectionName, "redis", cs => new RedisHealthCheck(cs));

    /// <summary>Ready only while RabbitMQ accepts a connection, reached with <c>ConnectionStrings:{connectionName}</c> (an amqp:// URI).</summary>
    public static IHostApplicationBuilder AddRabbitMqHealthCheck(this IHostApplicationBuilder builder, string connectionName) =>
        builder.AddDependencyCheck(connectionName, "rabbitmq", cs => new RabbitMqHealthCheck(cs));
}
