using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Hosting;

/// <summary>
/// An endpoint convention for what only the <c>http</c> endpoint serves (/health, /alive, the OpenAPI document): the
/// same path on the grpc endpoint answers 404.
/// </summary>
public static class HttpEndpointOnly
{
    public static Action<EndpointBuilder> Apply(IServiceProvider services)
    {
        var endpoints = services.GetService<ServiceEndpoints>();
        return endpoint =>
        {
            if (endpoints is null || endpoint.RequestDelegate is not { } next) return;
            endpoint.RequestDelegate = context =>
            {
                if (endpoints.IsHttpEndpoint(context.Connection.LocalPort)) return next(context);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        };
    }
}
