namespace Mesh.Hosting.Tests.AppHost;

/// <summary>
/// The configuration a service receives has Aspire's names and value formats, so the same service runs
/// under this host, under Aspire and on Kubernetes. Nothing is started: ports are allocated at build.
/// </summary>
public sealed class AspireEnvironmentTests
{
    private static DistributedApplication BuildModel(string? otlp = "http://localhost:4318")
    {
        var options = TestGraph.Options("/tmp/unused");
        options.OtlpEndpoint = otlp;
        var builder = DistributedApplication.CreateBuilder(options);
        var pg = builder.AddPostgres("postgres");
        var bookingDb = pg.AddDatabase("bookingdb");
        var cache = builder.AddRedis("cache");
        var mq = builder.AddRabbitMQ("messaging");
        var catalog = builder.AddProject("catalog", TestGraph.TestService).WithReplicas(2);
        builder.AddProject("booking", TestGraph.TestService)
            .WithReference(bookingDb).WithReference(cache).WithReference(mq).WithReference(catalog)
            .WaitFor(bookingDb).WaitFor(catalog);
        return builder.Build();
    }

    [Fact]
    public void Connection_strings_use_Aspire_names_and_formats()
    {
        var app = BuildModel();
        var env = app.EnvironmentFor("booking");
        var pgPort = ((PostgresServerResource)app.Model["postgres"]).Port;
        var redisPort = ((RedisResource)app.Model["cache"]).Port;
        var mqPort = ((RabbitMQServerResource)app.Model["messaging"]).Port;

        Assert.Equal($"Host=localhost;Port={pgPort};Username=postgres;Database=bookingdb", env["ConnectionStrings__bookingdb"]);
        Assert.Equal($"localhost:{redisPort}", env["ConnectionStrings__cache"]);
        Assert.Equal($"amqp://guest:guest@localhost:{mqPort}", env["ConnectionStrings__messaging"]);
        Assert.DoesNotContain("ConnectionStrings__postgres", env.Keys); // only what is referenced
    }

    [Fact]
    public void Service_endpoints_use_Aspire_names_one_per_replica()
    {
        var app = BuildModel();
        var env = app.EnvironmentFor("booking");
        var catalog = app.InstancesOf("catalog");

        Assert.Equal(2, catalog.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal($"http://localhost:{catalog[i].Endpoints["grpc"].Port}", env[$"services__catalog__grpc__{i}"]);
            Assert.Equal($"http://localhost:{catalog[i].Endpoints["http"].Port}", env[$"services__catalog__http__{i}"]);
        }
        Assert.DoesNotContain("services__catalog__grpc__2", env.Keys);
        Assert.NotEqual(catalog[0].Endpoints["grpc"].Port, catalog[1].Endpoints["grpc"].Port);
    }

    [Fact]
    public void OpenTelemetry_variables_name_the_service_and_the_replica()
    {
        var app = BuildModel();
        var booking = app.EnvironmentFor("booking");
        var catalog1 = app.EnvironmentFor("catalog", 1);

        Assert.Equal("booking", booking["OTEL_SERVICE_NAME"]);
        Assert.Equal("http://localhost:4318", booking["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", booking["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("catalog", catalog1["OTEL_SERVICE_NAME"]);
        Assert.Equal("service.instance.id=catalog-1", catalog1["OTEL_RESOURCE_ATTRIBUTES"]);

        var quiet = BuildModel(otlp: null).EnvironmentFor("booking");
        Assert.DoesNotContain("OTEL_EXPORTER_OTLP_ENDPOINT", quiet.Keys);
    }

    [Fact]
    public void Own_endpoints_are_given_as_Kestrel_endpoints_with_their_protocols()
    {
        var app = BuildModel();
        var env = app.EnvironmentFor("catalog", 1);
        var self = app.InstancesOf("catalog")[1];

        Assert.Equal($"http://127.0.0.1:{self.Endpoints["grpc"].Port}", env["Kestrel__Endpoints__grpc__Url"]);
        Assert.Equal("Http2", env["Kestrel__Endpoints__grpc__Protocols"]);
        Assert.Equal($"http://127.0.0.1:{self.Endpoints["http"].Port}", env["Kestrel__Endpoints__http__Url"]);
        Assert.Equal("Http1", env["Kestrel__Endpoints__http__Protocols"]);
    }

    [Fact]
    public void The_model_is_inspectable_and_ordered_by_dependencies()
    {
        var app = BuildModel();
        var order = app.Model.StartOrder.Select(r => r.Name).ToList();

        Assert.True(order.IndexOf("postgres") < order.IndexOf("bookingdb"));
        Assert.True(order.IndexOf("bookingdb") < order.IndexOf("booking"));
        Assert.True(order.IndexOf("catalog") < order.IndexOf("booking"));
        var booking = (ProjectResource)app.Model["booking"];
        Assert.Equal(["bookingdb", "cache", "messaging", "catalog"], booking.References.Select(r => r.Name));
        Assert.Equal(["grpc", "http"], booking.Endpoints.Select(e => e.Name));
    }

    [Fact]
    public void Bad_models_are_refused_with_clear_errors()
    {
        var builder = DistributedApplication.CreateBuilder(TestGraph.Options("/tmp/unused"));
        builder.AddRedis("cache");
        Assert.Contains("already exists", Assert.Throws<InvalidOperationException>(() => builder.AddRedis("cache")).Message);
        Assert.Contains("lower-case", Assert.Throws<ArgumentException>(() => builder.AddRedis("Bad_Name")).Message);
        Assert.Throws<FileNotFoundException>(() => builder.AddProject("ghost", "services/DoesNotExist/Ghost.csproj"));

        var a = builder.AddExecutable("a", "/bin/true", ".");
        var b = builder.AddExecutable("b", "/bin/true", ".").WaitFor(a);
        a.WaitFor(b);
        Assert.Contains("cycle", Assert.Throws<InvalidOperationException>(() => builder.Build()).Message);
    }

    [Fact]
    public void A_fixed_endpoint_port_is_kept_unless_random_ports_are_asked_for()
    {
        foreach (var random in new[] { false, true })
        {
            var options = TestGraph.Options("/tmp/unused");
            options.RandomPorts = random;
            var builder = DistributedApplication.CreateBuilder(options);
            builder.AddProject("edge", TestGraph.TestService).WithEndpointPort("http", 8080);
            var edge = builder.Build().InstancesOf("edge")[0];

            Assert.Equal(!random, edge.Endpoints["http"].Port == 8080);
            Assert.NotEqual(8080, edge.Endpoints["grpc"].Port);
        }
        var b = DistributedApplication.CreateBuilder(TestGraph.Options("/tmp/unused"));
        Assert.Throws<InvalidOperationException>(() => b.AddProject("edge", TestGraph.TestService).WithEndpointPort("rest", 8080));
    }
}
