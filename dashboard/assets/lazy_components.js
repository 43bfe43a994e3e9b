/* Stand-ins for the component libraries whose main script loads only where a page draws one of their
   components (why: dashboard/lazy_components.py). Each <script type="text/x-dash-lazy-bundle"> Dash wrote
   into the page names a library (data-namespace), its real script (src, not fetched: not a script type),
   its components with the static properties Dash's renderer reads, and its functions that return a promise.
   Dash runs this file after those blocks and before its renderer draws anything. */
(function () {
  'use strict';
  var React = window.React;
  var BLOCKS = 'script[type="text/x-dash-lazy-bundle"]';
  // What Dash's renderer reads on a component class; each must be declared as the library defines it.
  var RENDERER_STATICS = ['dashRenderType', 'dashPersistence', 'dashChildrenUpdate'];

  function lazyLibrary(block) {
    var namespace = block.getAttribute('data-namespace');
    var library = JSON.parse(block.getAttribute('data-library'));
    var src = block.src;
    var facade = {};
    var loaded = null; // the library's exports, once its script has run
    var loading = null;

    function load() {
      if (!loading) {
        loading = new Promise(function (resolve, reject) {
          var script = document.createElement('script');
          script.src = src; // the real script finds its async chunks from this URL (webpack's public path)
          script.onload = function () {
            if (loaded) {
              resolve(loaded);
            } else {
              reject(new Error(src + ' did not define window.' + namespace));
            }
          };
          script.onerror = function () {
            loading = null; // the next component drawn tries again
            script.remove();
            reject(new Error('Could not load ' + src));
          };
          document.head.appendChild(script);
        });
      }
      return loading;
    }

    function lazyComponent(name, statics) {
      function Lazy(props) {
        // The real component mounts one render after the stand-in, even once the script has loaded: drawn at
        // once, in the same commit in which the grid it replaces (a new view's grid, the same id) unmounts,
        // AG Grid crashed Chromium's tab (tests/pages/test_data_browser.py, back and forward).
        var state = React.useState({});
        var current = state[0];
        var setCurrent = state[1];
        React.useEffect(function () {
          if (current.component || current.error) {
            return undefined;
          }
          var mounted = true;
          load().then(
            function (exports) {
              if (mounted) setCurrent({component: exports[name]});
            },
            function (error) {
              if (mounted) setCurrent({error: error});
            }
          );
          return function () {
            mounted = false;
          };
        }, [current]);
        if (current.error) {
          throw current.error; // shown by Dash's error boundary of the component
        }
        if (current.component) {
          return React.createElement(current.component, props);
        }
        // Until the script has run: the component's box, empty, so nothing around it moves.
        return React.createElement('div', {className: props.className, style: props.style, 'aria-busy': 'true'});
      }
      Lazy.displayName = 'Lazy(' + namespace + '.' + name + ')';
      Object.assign(Lazy, statics);
      return Lazy;
    }

    Object.keys(library.components).forEach(function (name) {
      facade[name] = lazyComponent(name, library.components[name]);
    });
    library.deferred.forEach(function (name) {
      facade[name] = function () {
        var args = arguments;
        return load().then(function (exports) {
          return exports[name].apply(exports, args);
        });
      };
    });

    function adopt(exports) {
      loaded = exports;
      Object.keys(exports).forEach(function (name) {
        var real = exports[name];
        var stand_in = facade[name];
        if (!(name in library.components)) {
          facade[name] = real;
          return;
        }
        RENDERER_STATICS.forEach(function (key) {
          if (JSON.stringify(real[key]) !== JSON.stringify(stand_in[key])) {
            console.error(namespace + '.' + name + '.' + key + ' is ' + JSON.stringify(real[key]) +
              ', declared ' + JSON.stringify(stand_in[key]) + ' in dashboard/lazy_components.py');
          }
        });
        stand_in.propTypes = real.propTypes; // for Dash's prop checks in debug mode
      });
    }

    // The library's script ends with `window.<namespace> = exports`: take the exports, but keep the stand-ins
    // where the renderer finds them (a component whose class changed would be mounted afresh, losing state).
    Object.defineProperty(window, namespace, {
      configurable: true,
      enumerable: true,
      get: function () {
        return facade;
      },
      set: adopt
    });
  }

  if (React) {
    Array.prototype.forEach.call(document.querySelectorAll(BLOCKS), lazyLibrary);
  }
})();
