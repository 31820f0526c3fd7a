/* the tests load dist/connector.js, the bundle an admin uploads: build it
 * from the sources first, so a test never runs an old bundle */
'use strict';
module.exports = async () => {
    require('../scripts/build.js')();
};
