import { profileScenario } from '../bench/scenarios/profile.js'
console.log(await profileScenario())
